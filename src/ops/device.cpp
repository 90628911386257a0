#include "photon_dct/ops/device.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/error.hpp"

namespace photon_dct::ops {
namespace {

constexpr std::string_view kDctAltName = "DCT Flash";
constexpr std::string_view kEnterDfuHint =
    "put the unit in DFU mode: hold SETUP, tap RESET, and release SETUP when the LED blinks yellow";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// One line, so that an error message is always one line and the CLI escapes it as a whole.
std::string entry_list(const std::vector<const usb::UsbDevice*>& entries) {
    std::string out;
    for (const auto* d : entries) out += (out.empty() ? " " : "; ") + d->describe();
    return out;
}

} // namespace

std::vector<usb::UsbDevice> list_devices(usb::UsbContext& context) {
    auto devices = context.enumerate();
    std::erase_if(devices, [](const usb::UsbDevice& d) { return d.platform == nullptr; });
    return devices;
}

std::vector<usb::UsbDevice> list_units() {
    usb::UsbContext context;
    return list_devices(context);
}

const usb::UsbDevice& select_device(const std::vector<usb::UsbDevice>& devices, const DeviceSelector& selector) {
    std::vector<const usb::UsbDevice*> matching;
    for (const auto& d : devices) {
        if (selector.device_id && d.device_id != lower(*selector.device_id)) continue;
        if (selector.path && d.port_path != *selector.path) continue;
        matching.push_back(&d);
    }
    std::vector<const usb::UsbDevice*> dfu;
    std::copy_if(matching.begin(), matching.end(), std::back_inserter(dfu), [](auto* d) { return d->dfu_mode(); });

    const bool selected = selector.device_id || selector.path;
    if (dfu.empty()) {
        if (!matching.empty())
            throw Error(ErrorKind::DeviceNotInDfuMode,
                        fmt::format("found {} but not in DFU mode:{}", matching.size() == 1 ? "a unit" : "units",
                                    entry_list(matching)),
                        std::string(kEnterDfuHint));
        if (selected && !devices.empty())
            throw Error(ErrorKind::NoDevice,
                        fmt::format("no unit matches {}{}; attached:{}",
                                    selector.device_id ? "--device " + *selector.device_id : "",
                                    selector.path ? " --path " + *selector.path : "", entry_list([&] {
                                        std::vector<const usb::UsbDevice*> all;
                                        for (const auto& d : devices) all.push_back(&d);
                                        return all;
                                    }())),
                        "check the device ID with `photon-dct list`");
        throw Error(ErrorKind::NoDevice, "no Particle Photon, P1 or Electron found on USB",
                    fmt::format("connect the unit and {}", kEnterDfuHint));
    }
    if (dfu.size() > 1) {
        const bool same_serial =
            std::all_of(dfu.begin(), dfu.end(), [&](auto* d) { return d->serial == dfu.front()->serial; });
        throw Error(ErrorKind::AmbiguousDevice,
                    fmt::format("{} units in DFU mode; choose one:{}", dfu.size(), entry_list(dfu)),
                    same_serial ? "these bootloaders all report the same serial: select with --path BUS-PORT"
                                : "select one with --device ID or --path BUS-PORT");
    }
    if (!dfu.front()->access_problem.empty())
        throw Error(ErrorKind::UsbAccess,
                    fmt::format("cannot open {}: {}", dfu.front()->describe(), dfu.front()->access_problem),
                    "install the udev rules (60-photon-dct.rules, see README) and replug the unit, or run with sudo");
    return *dfu.front();
}

DeviceStore::DeviceStore(usb::UsbContext& context, usb::UsbDevice device, std::filesystem::path backup_dir,
                         dfu::SessionOptions options)
    : device_(std::move(device)), backup_dir_(std::move(backup_dir)) {
    transport_ = context.open(device_);
    session_ = std::make_unique<dfu::DfuseSession>(*transport_, std::move(options));
    session_->select_alt(kDctAltName);
}

DeviceStore::~DeviceStore() = default;

std::string DeviceStore::description() const { return device_.describe(); }

std::string DeviceStore::selector_args() const { return device_.id.selector_args(); }

Bytes DeviceStore::read_window() {
    Bytes window = session_->upload(0, dct::kDfuWindowSize);
    // The DCT page is 16 KiB and readable: a short answer is a transfer fault, never the end of
    // the data (a truncated backup or a wrong read-back would follow).
    if (window.size() != dct::kDfuWindowSize)
        throw Error(ErrorKind::UsbIo,
                    fmt::format("{}: short read, the unit returned {} of {} DCT bytes", description(), window.size(),
                                dct::kDfuWindowSize),
                    "replug the unit (or try another USB port or cable) and run the command again");
    return window;
}

void DeviceStore::write(std::uint32_t offset, ByteView bytes) { session_->download(offset, bytes); }

bool DeviceStore::leave() {
    session_->leave(0);
    return true;
}

std::filesystem::path DeviceStore::default_backup_path(const Bytes& window) const {
    // Bootloaders before 0.6.0 have no ID in the serial: take it from the DCT when it holds one.
    const std::string id = device_.device_id.value_or(
        dct::stored_device_id(*device_.platform, window).value_or("unknown-" + device_.port_path));
    return unique_timestamped_path(backup_dir_, fmt::format("{}-{}", device_.platform->name, id), ".dct");
}

} // namespace photon_dct::ops
