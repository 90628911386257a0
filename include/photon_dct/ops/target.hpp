// Opening what a command works on: `--file IMG` or a unit selected on USB.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "photon_dct/dfu/session.hpp"
#include "photon_dct/ops/device.hpp"
#include "photon_dct/ops/store.hpp"

namespace photon_dct::ops {

struct TargetRequest {
    std::optional<std::filesystem::path> file;
    std::optional<std::string> platform; // --platform; files default to photon, devices report theirs
    DeviceSelector selector;
    std::filesystem::path backup_dir = "."; // where device backups go
    dfu::SessionOptions session;            // trace hook, timeouts
};

// The platform named by --platform, or Error(InvalidInput) listing the valid names.
const dct::Platform& platform_by_name(std::string_view name);

// A FileStore for --file, otherwise the one unit select_device picks, opened on its DCT alt.
std::unique_ptr<DctStore> open_target(const TargetRequest& request);

} // namespace photon_dct::ops
