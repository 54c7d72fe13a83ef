#pragma once

#include <velocity/providers/provider.hpp>

#include <memory>

// Opens the Azure provider of an integration (provider.cpp); the platform table (platform.cpp)
// hands it out.
namespace velocity::providers::azure {

std::unique_ptr<Provider> open_provider(const IntegrationConfig& config,
                                        const ProviderOptions& options);

} // namespace velocity::providers::azure
