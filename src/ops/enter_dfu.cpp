#include "photon_dct/ops/enter_dfu.hpp"

#include <thread>

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/ops/device.hpp"

namespace photon_dct::ops {
namespace {

std::string attempts_text(const std::vector<enter::Attempt>& attempts) {
    std::string out;
    for (const auto& a : attempts) out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", a.request, a.outcome);
    return out.empty() ? "nothing" : out;
}

} // namespace

const usb::UsbDevice* find_in_dfu_mode(const std::vector<usb::UsbDevice>& devices, const usb::UsbDevice& before,
                                       std::string& followed_by) {
    std::vector<const usb::UsbDevice*> by_id, by_port;
    for (const auto& d : devices) {
        // A unit whose strings could not be read has no known serial: not followed by its port.
        if (!d.dfu_mode() || d.platform != before.platform || !d.access_problem.empty()) continue;
        if (before.device_id && d.device_id == before.device_id)
            by_id.push_back(&d);
        else if ((!before.device_id || !d.device_id) && d.port_path == before.port_path)
            by_port.push_back(&d); // docs/enter-dfu.md §4: a bootloader before v8 reports 00000000010C
    }
    if (by_id.size() > 1)
        throw Error(ErrorKind::AmbiguousDevice,
                    fmt::format("{} units in DFU mode report device ID {}", by_id.size(), *before.device_id),
                    "unplug all but one of them and run the command again");
    if (!by_id.empty()) {
        followed_by = "device ID";
        return by_id.front();
    }
    if (!by_port.empty()) {
        followed_by = "port path";
        return by_port.front();
    }
    return nullptr;
}

usb::UsbDevice enter_dfu_mode(usb::UsbContext& context, const usb::UsbDevice& unit, const EnterDfuOptions& options,
                              ModeChange& change) {
    change.unit = unit.describe();
    if (options.progress) options.progress(fmt::format("putting {} into DFU mode", unit.describe()));
    const auto start = std::chrono::steady_clock::now();
    enter::EntryResult sent;
    {
        auto transport = context.open(unit);
        sent = enter::send_entry_requests(*transport, options.requests);
    }
    change.device_os = sent.device_os;
    change.attempts = sent.attempts;
    if (!sent.entered)
        throw Error(ErrorKind::DeviceNotInDfuMode,
                    fmt::format("could not put {} into DFU mode{}; tried {}", unit.describe(),
                                sent.device_os ? " (Device OS " + *sent.device_os + ")" : "",
                                attempts_text(sent.attempts)),
                    enter_dfu_by_hand_hint());
    const auto deadline = start + options.come_back_timeout;
    while (true) {
        const auto devices = list_devices(context);
        if (const auto* back = find_in_dfu_mode(devices, unit, change.followed_by)) {
            change.serial_after = back->serial;
            change.port_path_after = back->port_path;
            change.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (options.progress)
                options.progress(fmt::format("back in DFU mode after {:.1f} s, followed by its {}: {}", change.seconds,
                                             change.followed_by, back->describe()));
            return *back;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            throw Error(ErrorKind::UnitNotBack,
                        fmt::format("{} did not come back in DFU mode within {:.1f} s after {}", unit.describe(),
                                    std::chrono::duration<double>(options.come_back_timeout).count(),
                                    attempts_text(sent.attempts)),
                        fmt::format("check the unit and its cable; give it longer with --dfu-timeout SECONDS, or {}",
                                    enter_dfu_by_hand_hint()));
        std::this_thread::sleep_for(options.poll_interval);
    }
}

} // namespace photon_dct::ops
