#include "photon_dct/ops/target.hpp"

#include <exception>

#include <fmt/format.h>

#include "photon_dct/dct/known_keys.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/file_io.hpp"
#include "background.hpp"

namespace photon_dct::ops {

const dct::Platform& platform_by_name(std::string_view name) {
    if (const auto* p = dct::find_platform(name)) return *p;
    throw Error(ErrorKind::InvalidInput, fmt::format("--platform '{}': unknown platform", name),
                "use photon, p1 or electron");
}

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

void Target::select() {
    if (selected_ || store_ || request_->file) return;
    // OpenSSL's one-time set-up is done while the unit is picked, opened and read, so the decode
    // that follows finds it ready. A failure there is met again, and reported, when the decode
    // loads the keys itself.
    known_keys_ = in_background(dct::load_known_keys);
    context_.emplace();
    const auto devices = list_devices_waiting(*context_, request_->selector, request_->wait);
    const usb::UsbDevice& chosen = select_device(devices, request_->selector, request_->enter_dfu.enabled);
    if (request_->platform && platform_by_name(*request_->platform).id != chosen.platform->id)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("--platform {} given, but the selected unit is a {}", *request_->platform,
                                chosen.platform->display_name),
                    "leave out --platform for a unit on USB: it reports its own");
    selected_ = chosen;
}

void Target::select_while(const std::function<void()>& check) {
    if (store_ || request_->file || request_->wait.enabled) {
        check();
        return;
    }
    auto checked = in_background(check);
    std::exception_ptr selection_error;
    try {
        select();
    } catch (...) {
        selection_error = std::current_exception();
    }
    checked.get();
    if (selection_error) std::rethrow_exception(selection_error);
}

void Target::require_backup_dir(const WriteOptions& write) const {
    if (write.dry_run || write.backup_path || store_ || request_->file) return;
    require_writable_directory(request_->backup_dir, "--backup-dir");
}

DctStore& Target::acquire() {
    if (store_) return *store_;
    const TargetRequest& request = *request_;
    if (request.file) {
        owned_ = std::make_unique<FileStore>(*request.file, platform_by_name(request.platform.value_or("photon")));
    } else {
        select();
        usb::UsbDevice unit = *selected_;
        if (!unit.dfu_mode()) {
            ModeChange change;
            unit = enter_dfu_mode(*context_, unit, request.enter_dfu, change);
            if (request.on_mode_change) request.on_mode_change(change);
        }
        owned_ = std::make_unique<DeviceStore>(*context_, unit, request.backup_dir, request.session, request.observer);
    }
    store_ = owned_.get();
    if (request.on_acquired) request.on_acquired(unit_info(*store_));
    return *store_;
}

Bytes Target::read_window(const WindowReady& ready) {
    DctStore& store = acquire();
    if (progress_) progress_(fmt::format("reading the DCT of {}", store.description()));
    return ready ? store.read_window_early(ready) : store.read_window();
}

} // namespace photon_dct::ops
