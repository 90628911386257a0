#include "photon_dct/ops/target.hpp"

#include <fmt/format.h>

#include "photon_dct/error.hpp"

namespace photon_dct::ops {

const dct::Platform& platform_by_name(std::string_view name) {
    if (const auto* p = dct::find_platform(name)) return *p;
    throw Error(ErrorKind::InvalidInput, fmt::format("--platform '{}': unknown platform", name),
                "use photon, p1 or electron");
}

namespace {

std::unique_ptr<DctStore> open_target(const TargetRequest& request) {
    if (request.file)
        return std::make_unique<FileStore>(*request.file, platform_by_name(request.platform.value_or("photon")));
    usb::UsbContext context;
    const auto devices = list_devices_waiting(context, request.selector, request.wait);
    const usb::UsbDevice& chosen = select_device(devices, request.selector, request.enter_dfu.enabled);
    if (request.platform && platform_by_name(*request.platform).id != chosen.platform->id)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("--platform {} given, but the selected unit is a {}", *request.platform,
                                chosen.platform->display_name),
                    "leave out --platform for a unit on USB: it reports its own");
    if (chosen.dfu_mode())
        return std::make_unique<DeviceStore>(context, chosen, request.backup_dir, request.session, request.observer);
    ModeChange change;
    const usb::UsbDevice in_dfu_mode = enter_dfu_mode(context, chosen, request.enter_dfu, change);
    if (request.on_mode_change) request.on_mode_change(change);
    return std::make_unique<DeviceStore>(context, in_dfu_mode, request.backup_dir, request.session, request.observer);
}

} // namespace

Target::Target(TargetRequest request, ProgressFn progress)
    : request_(std::move(request)), progress_(std::move(progress)) {
    if (request_->file && (request_->selector.device_id || request_->selector.path))
        throw Error(ErrorKind::Usage, "--file cannot be combined with --device or --path",
                    "use --file for an image, or --device/--path for a unit on USB");
    if (request_->platform) {
        const auto& named = platform_by_name(*request_->platform);
        if (request_->file) file_platform_ = &named;
    } else if (request_->file) {
        file_platform_ = &dct::platform(dct::PlatformId::Photon);
    }
}

Target::Target(DctStore& store, ProgressFn progress) : store_(&store), progress_(std::move(progress)) {}

Target::~Target() = default;

const dct::Platform* Target::known_platform() const { return store_ ? &store_->platform() : file_platform_; }

DctStore& Target::acquire() {
    if (!store_) {
        owned_ = open_target(*request_);
        store_ = owned_.get();
    }
    return *store_;
}

Bytes Target::read_window() {
    DctStore& store = acquire();
    if (progress_) progress_(fmt::format("reading the DCT of {}", store.description()));
    return store.read_window();
}

} // namespace photon_dct::ops
