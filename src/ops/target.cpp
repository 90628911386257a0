#include "photon_dct/ops/target.hpp"

#include <fmt/format.h>

#include "photon_dct/error.hpp"

namespace photon_dct::ops {

const dct::Platform& platform_by_name(std::string_view name) {
    if (const auto* p = dct::find_platform(name)) return *p;
    throw Error(ErrorKind::InvalidInput, fmt::format("--platform '{}': unknown platform", name),
                "use photon, p1 or electron");
}

std::unique_ptr<DctStore> open_target(const TargetRequest& request) {
    if (request.file) {
        if (request.selector.device_id || request.selector.path)
            throw Error(ErrorKind::Usage, "--file cannot be combined with --device or --path",
                        "use --file for an image, or --device/--path for a unit on USB");
        return std::make_unique<FileStore>(*request.file, platform_by_name(request.platform.value_or("photon")));
    }
    usb::UsbContext context;
    const auto devices = list_devices(context);
    const DeviceEntry& chosen = select_device(devices, request.selector);
    if (request.platform && platform_by_name(*request.platform).id != chosen.platform->id)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("--platform {} given, but the selected unit is a {}", *request.platform,
                                chosen.platform->display_name),
                    "leave out --platform for a unit on USB: it reports its own");
    return std::make_unique<DeviceStore>(context, chosen, request.backup_dir, request.session);
}

} // namespace photon_dct::ops
