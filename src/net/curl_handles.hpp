#pragma once

#include <curl/curl.h>

#include <new>
#include <string>
#include <type_traits>
#include <utility>

// Move-only owners of libcurl's handles, private to the net module. They never convert to the
// raw pointer on their own: get() is explicit, so a handle cannot leak into a call by accident.
namespace velocity::net::detail {

template <typename T, auto Free> class CurlOwner {
public:
  CurlOwner() noexcept = default;
  explicit CurlOwner(T* handle) noexcept : m_handle(handle) {}
  ~CurlOwner() { reset(); }
  CurlOwner(CurlOwner&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
  CurlOwner& operator=(CurlOwner&& other) noexcept {
    if (this != &other) {
      reset();
      m_handle = std::exchange(other.m_handle, nullptr);
    }
    return *this;
  }
  CurlOwner(const CurlOwner&) = delete;
  CurlOwner& operator=(const CurlOwner&) = delete;

  T* get() const noexcept { return m_handle; }
  // Gives up ownership: the caller frees the handle.
  T* release() noexcept { return std::exchange(m_handle, nullptr); }
  explicit operator bool() const noexcept { return m_handle != nullptr; }
  void reset() noexcept {
    if (m_handle != nullptr) {
      Free(m_handle);
      m_handle = nullptr;
    }
  }

private:
  T* m_handle = nullptr;
};

// One transfer's handle; reused between requests so its connection can be too.
using EasyHandle = CurlOwner<CURL, &curl_easy_cleanup>;
// The multi handle: runs many easy handles at once and owns the connection cache they share.
using MultiHandle = CurlOwner<CURLM, &curl_multi_cleanup>;

static_assert(!std::is_copy_constructible_v<EasyHandle>);
static_assert(!std::is_convertible_v<EasyHandle, CURL*>);
static_assert(!std::is_convertible_v<MultiHandle, CURLM*>);
static_assert(std::is_nothrow_move_constructible_v<EasyHandle>);

// A new easy handle; throws std::bad_alloc when libcurl cannot allocate one.
inline EasyHandle make_easy() {
  EasyHandle handle(curl_easy_init());
  if (!handle) {
    throw std::bad_alloc();
  }
  return handle;
}

// A new multi handle; throws std::bad_alloc when libcurl cannot allocate one.
inline MultiHandle make_multi() {
  MultiHandle handle(curl_multi_init());
  if (!handle) {
    throw std::bad_alloc();
  }
  return handle;
}

// The request header lines handed to CURLOPT_HTTPHEADER; must outlive the transfer.
class HeaderList {
public:
  // Appends one "Name: value" line (copied by libcurl). Throws std::bad_alloc on failure.
  void append(const std::string& line) {
    curl_slist* head = curl_slist_append(m_list.get(), line.c_str());
    if (head == nullptr) {
      throw std::bad_alloc();
    }
    if (!m_list) {
      m_list = SlistOwner(head);
    }
  }
  curl_slist* get() const noexcept { return m_list.get(); }

private:
  using SlistOwner = CurlOwner<curl_slist, &curl_slist_free_all>;
  SlistOwner m_list;
};

} // namespace velocity::net::detail
