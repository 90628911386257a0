#include "photon_dct/ops/device.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/signals.hpp"

namespace photon_dct::ops {
namespace {

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

// How to put these units into DFU mode with the buttons: their platform's advice, or one naming
// both buttons when they are of different platforms (or there are none).
std::string enter_dfu_advice(const std::vector<const usb::UsbDevice*>& units) {
    std::uint8_t platform = units.empty() ? 0 : units.front()->quirk_facts().platform_id;
    for (const auto* u : units)
        if (u->quirk_facts().platform_id != platform) platform = 0;
    return quirks::dfu_mode_advice(platform);
}

} // namespace

std::vector<usb::UsbDevice> list_devices(usb::UsbContext& context, usb::UsbContext::AltNames names) {
    auto devices = context.enumerate(usb::kParticleVendorId, names);
    std::erase_if(devices, [](const usb::UsbDevice& d) { return d.platform == nullptr; });
    return devices;
}

std::vector<usb::UsbDevice> list_units() {
    usb::UsbContext context;
    return list_devices(context, usb::UsbContext::AltNames::Read);
}

std::string enter_dfu_by_hand_hint(const std::vector<const usb::UsbDevice*>& units) {
    return "put the unit in DFU mode: " + enter_dfu_advice(units);
}

namespace {

std::vector<const usb::UsbDevice*> matching_units(const std::vector<usb::UsbDevice>& devices,
                                                  const DeviceSelector& selector) {
    std::vector<const usb::UsbDevice*> matching;
    for (const auto& d : devices) {
        if (selector.device_id && d.device_id != lower(*selector.device_id)) continue;
        if (selector.path && d.port_path != *selector.path) continue;
        matching.push_back(&d);
    }
    return matching;
}

} // namespace

std::vector<usb::UsbDevice> list_devices_waiting(usb::UsbContext& context, const DeviceSelector& selector,
                                                 const WaitOptions& wait) {
    auto devices = list_devices(context);
    if (!wait.enabled || !matching_units(devices, selector).empty()) return devices;
    if (wait.notice) wait.notice(kWaitNotice);
    const auto start = std::chrono::steady_clock::now();
    while (true) {
        stop_if_signalled("while waiting for a unit");
        auto step = wait.poll_interval;
        if (wait.timeout) {
            const auto left = *wait.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - start);
            if (left.count() <= 0)
                throw Error(
                    ErrorKind::NoDevice,
                    fmt::format("no Particle Photon, P1 or Electron{} appeared on USB within {:.1f} s",
                                selector.device_id ? " with device ID " + *selector.device_id
                                : selector.path    ? " at " + *selector.path
                                                   : "",
                                std::chrono::duration<double>(*wait.timeout).count()),
                    "connect the unit (check the cable: some carry power only), or wait longer with --wait SECONDS");
            step = std::min(step, left);
        }
        context.wait_for_arrival(step);
        devices = list_devices(context);
        if (!matching_units(devices, selector).empty()) return devices;
    }
}

namespace {

[[noreturn]] void throw_no_match(const std::vector<usb::UsbDevice>& devices, const DeviceSelector& selector,
                                 const std::string& hint) {
    if ((selector.device_id || selector.path) && !devices.empty())
        throw Error(ErrorKind::NoDevice,
                    fmt::format("no unit matches {}{}; attached:{}",
                                selector.device_id ? "--device " + *selector.device_id : "",
                                selector.path ? " --path " + *selector.path : "", entry_list([&] {
                                    std::vector<const usb::UsbDevice*> all;
                                    for (const auto& d : devices) all.push_back(&d);
                                    return all;
                                }())),
                    "check the device ID with `photon-dct list`");
    throw Error(ErrorKind::NoDevice, "no Particle Photon, P1 or Electron found on USB", hint);
}

[[noreturn]] void throw_ambiguous(const std::vector<const usb::UsbDevice*>& units, std::string_view what) {
    const bool same_serial =
        std::all_of(units.begin(), units.end(), [&](auto* d) { return d->serial == units.front()->serial; });
    throw Error(ErrorKind::AmbiguousDevice,
                fmt::format("{} units {}; choose one:{}", units.size(), what, entry_list(units)),
                same_serial ? "these units all report the same serial: select with --path BUS-PORT"
                            : "select one with --device ID or --path BUS-PORT");
}

} // namespace

std::vector<const usb::UsbDevice*> select_units(const std::vector<usb::UsbDevice>& devices,
                                                const DeviceSelector& selector, bool all) {
    auto matching = matching_units(devices, selector);
    if (matching.empty()) throw_no_match(devices, selector, "connect the unit");
    if (!all && matching.size() > 1) throw_ambiguous(matching, "are attached");
    return matching;
}

const usb::UsbDevice& select_device(const std::vector<usb::UsbDevice>& devices, const DeviceSelector& selector,
                                    bool accept_normal_mode) {
    const auto matching = matching_units(devices, selector);
    std::vector<const usb::UsbDevice*> dfu;
    std::copy_if(matching.begin(), matching.end(), std::back_inserter(dfu), [](auto* d) { return d->dfu_mode(); });

    if (dfu.empty() && accept_normal_mode && !matching.empty()) {
        if (matching.size() > 1) throw_ambiguous(matching, "in normal mode match");
        return *matching.front();
    }
    if (dfu.empty()) {
        if (!matching.empty())
            throw Error(ErrorKind::DeviceNotInDfuMode,
                        fmt::format("found {} but not in DFU mode (--no-enter-dfu):{}",
                                    matching.size() == 1 ? "a unit" : "units", entry_list(matching)),
                        fmt::format("run without --no-enter-dfu to let photon-dct switch it, or {}",
                                    enter_dfu_by_hand_hint(matching)));
        throw_no_match(devices, selector, "connect the unit and " + enter_dfu_by_hand_hint());
    }
    if (dfu.size() > 1) throw_ambiguous(dfu, "in DFU mode");
    if (!dfu.front()->access_problem.empty())
        throw Error(ErrorKind::UsbAccess,
                    fmt::format("cannot open {}: {}", dfu.front()->describe(), dfu.front()->access_problem),
                    "install the udev rules (60-photon-dct.rules, see README) and replug the unit, or run with sudo");
    return *dfu.front();
}

DeviceStore::DeviceStore(usb::UsbContext& context, usb::UsbDevice device, std::filesystem::path backup_dir,
                         dfu::SessionOptions options, ProgressObserver observer)
    : device_(std::move(device)), backup_dir_(std::move(backup_dir)), observer_(std::move(observer)) {
    transport_ = context.open(device_);
    const quirks::UnitFacts facts = device_.quirk_facts();
    options.platform_id = facts.platform_id;
    options.quirks = quirks::QuirkSet(facts);
    session_ = std::make_unique<dfu::DfuseSession>(*transport_, std::move(options));
    session_->select_alt(quirks::kDctMemoryName, quirks::kDctAltSetting);
}

DeviceStore::~DeviceStore() = default;

std::vector<std::string> DeviceStore::alt_names() { return session_->alt_names(); }

std::string DeviceStore::description() const { return device_.describe(); }

std::vector<dct::CommandArgument> DeviceStore::selector_arguments() const {
    const auto& id = device_.id;
    return {{id.kind == usb::UnitId::Kind::DeviceId ? "device" : "path", id.value, false}};
}

Bytes DeviceStore::read_window() { return read_window_early(nullptr); }

Bytes DeviceStore::read_window_early(const WindowReady& ready) {
    Bytes window;
    {
        StepReport report(observer_, Step::ReadingDct, dct::kDfuWindowSize);
        window = session_->upload(
            0, dct::kDfuWindowSize, [&](std::size_t done, std::size_t) { report.update(done); },
            [&](const Bytes& read) {
                if (ready && read.size() == dct::kDfuWindowSize) ready(read);
            });
    }
    // The DCT page is 16 KiB and readable: a short answer is a transfer fault, never the end of
    // the data (a truncated backup or a wrong read-back would follow).
    if (window.size() != dct::kDfuWindowSize)
        throw Error(ErrorKind::UsbIo,
                    fmt::format("{}: short read, the unit returned {} of {} DCT bytes", description(), window.size(),
                                dct::kDfuWindowSize),
                    "replug the unit (or try another USB port or cable) and run the command again");
    return window;
}

// The DfuSe download of one window write: the bootloader is erasing and programming flash while it
// polls busy (docs/dfu-protocol.md 3.5), the time a person must not unplug the unit.
void DeviceStore::write(std::uint32_t offset, ByteView bytes) {
    StepReport report(observer_, Step::WritingDct, bytes.size());
    session_->download(offset, bytes, [&](std::size_t done, std::size_t) { report.update(done); });
}

void DeviceStore::prepare_write(std::uint32_t offset) { session_->prepare_download(offset); }

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
