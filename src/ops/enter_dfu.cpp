#include "photon_dct/ops/enter_dfu.hpp"

#include <algorithm>
#include <iterator>
#include <future>
#include <mutex>

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/ops/device.hpp"
#include "photon_dct/signals.hpp"
#include "background.hpp"

namespace photon_dct::ops {
namespace {

std::string attempts_text(const std::vector<enter::Attempt>& attempts) {
    std::string out;
    for (const auto& a : attempts) out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", a.request, a.outcome);
    return out.empty() ? "nothing" : out;
}

} // namespace

std::optional<usb::UsbDevice> find_in_dfu_mode(const std::vector<usb::UsbDevice>& devices, const usb::UsbDevice& before,
                                               std::string& followed_by) {
    // DFU-mode units of its platform whose serial could be read (an unreadable one is no match).
    std::vector<usb::UsbDevice> candidates;
    std::copy_if(devices.begin(), devices.end(), std::back_inserter(candidates), [&](const usb::UsbDevice& d) {
        return d.dfu_mode() && d.platform == before.platform && d.access_problem.empty();
    });
    const auto same = usb::find_unit(candidates, before.id);
    if (same.size() > 1)
        throw Error(ErrorKind::AmbiguousDevice,
                    fmt::format("{} units in DFU mode answer to {}", same.size(), before.id.text()),
                    "unplug all but one of them and run the command again");
    if (!same.empty()) {
        followed_by = before.id.kind == usb::UnitId::Kind::DeviceId ? "device ID" : "port path";
        return *same.front();
    }
    // docs/enter-dfu.md §4: a bootloader before v8 reports 00000000010C, no ID: the unit is the one
    // without an ID at its port (never one that reports another ID).
    std::erase_if(candidates, [](const usb::UsbDevice& d) { return d.device_id.has_value(); });
    const auto at_port = usb::find_unit(candidates, {usb::UnitId::Kind::PortPath, before.port_path});
    if (at_port.empty()) return std::nullopt;
    followed_by = "port path";
    return *at_port.front();
}

usb::UsbDevice enter_dfu_mode(usb::UsbContext& context, const usb::UsbDevice& unit, const EnterDfuOptions& options,
                              ModeChange& change) {
    change.unit = unit;
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
                    enter_dfu_by_hand_hint({&unit}));
    const auto deadline = start + options.come_back_timeout;
    StepReport report(options.observer, Step::WaitingForDfuMode,
                      static_cast<std::size_t>(options.come_back_timeout.count()));
    while (true) {
        report.update(static_cast<std::size_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()));
        const auto devices = list_devices(context);
        if (const auto back = find_in_dfu_mode(devices, unit, change.followed_by)) {
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
                                    enter_dfu_by_hand_hint({&unit})));
        // A hotplug event (where libusb has them) ends the wait as soon as a unit arrives; else the
        // next enumeration comes after poll_interval.
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        context.wait_for_arrival(std::clamp(left, std::chrono::milliseconds(1), options.poll_interval));
        // Ctrl-C while the unit is away is acted on at once: nothing is being written.
        stop_if_signalled(fmt::format("while waiting for {} to come back in DFU mode", unit.describe()));
    }
}

std::vector<DfuModeOutcome> enter_dfu_mode_all(usb::UsbContext& context,
                                               const std::vector<const usb::UsbDevice*>& units,
                                               const EnterDfuOptions& options) {
    const auto switched = std::count_if(units.begin(), units.end(), [](const auto* u) { return !u->dfu_mode(); });
    std::mutex progress_lock;
    EnterDfuOptions shared = options;
    shared.progress = [&](std::string_view line) {
        const std::lock_guard lock(progress_lock);
        if (options.progress) options.progress(line);
    };
    if (switched > 1) shared.observer = {};

    std::vector<DfuModeOutcome> outcomes(units.size());
    std::vector<std::future<void>> running;
    for (std::size_t i = 0; i < units.size(); ++i) {
        outcomes[i].unit = *units[i];
        if (units[i]->dfu_mode()) continue;
        running.push_back(in_background([&context, &shared, &out = outcomes[i]] {
            try {
                ModeChange change;
                out.unit = enter_dfu_mode(context, out.unit, shared, change);
                out.change = std::move(change);
            } catch (const Error& e) {
                out.error = e;
            } catch (const std::exception& e) {
                out.error = Error(ErrorKind::Internal,
                                  fmt::format("putting {} into DFU mode: {}", out.unit.describe(), e.what()));
            }
        }));
    }
    for (auto& r : running) r.get();
    return outcomes;
}

} // namespace photon_dct::ops
