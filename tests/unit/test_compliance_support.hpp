#pragma once

#include <velocity/core/error.hpp>

#include <doctest/doctest.h>

#include <string>

// What the compliance tests of bad input share.
namespace velocity::test {

// The message of the UsageError `fn` throws; fails the test when it throws nothing.
template <typename Fn> std::string usage_error_of(Fn fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError");
  return {};
}

} // namespace velocity::test
