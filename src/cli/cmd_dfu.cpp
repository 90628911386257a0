#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/device.hpp"
#include "photon_dct/ops/enter_dfu.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/signals.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct DfuOptions {
    std::string device;
    std::string path;
    bool all = false;
    EnterDfuFlags enter;
    WaitFlags wait;
};

int run_dfu(const DfuOptions& o, Invocation& invocation) {
    ops::DeviceSelector selector;
    if (!o.device.empty()) selector.device_id = o.device;
    if (!o.path.empty()) selector.path = o.path;
    usb::UsbContext usb;
    const auto devices = ops::list_devices_waiting(usb, selector, wait_options(o.wait, invocation));
    const auto units = ops::select_units(devices, selector, o.all);
    const auto outcomes = ops::enter_dfu_mode_all(usb, units, enter_dfu_options(o.enter, invocation));
    for (const auto& u : outcomes)
        if (u.change && !u.error) invocation.record_mode_change(*u.change);
    for (const auto& u : outcomes) // a signal stopped a wait: say where
        if (u.error && photon_dct::is_stop(u.error->kind())) throw *u.error;
    photon_dct::stop_if_signalled("after the units were switched");
    if (!o.all && outcomes.size() == 1 && outcomes.front().error) throw *outcomes.front().error;
    std::vector<std::string> failed;
    for (const auto& u : outcomes)
        if (u.error) failed.push_back(u.error->what());
    if (!failed.empty()) {
        std::string message = fmt::format("{} of {} units did not reach DFU mode:", failed.size(), outcomes.size());
        // One line: main.cpp escapes error messages as a whole (device strings in them).
        for (std::size_t i = 0; i < failed.size(); ++i) message += (i == 0 ? " " : "; ") + failed[i];
        const auto first =
            std::find_if(outcomes.begin(), outcomes.end(), [](const auto& u) { return u.error.has_value(); });
        throw Error(first->error->kind(), message, ops::enter_dfu_by_hand_hint());
    }
    if (invocation.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& u : outcomes)
            list.push_back({{"source", u.unit.describe()},
                            {"unit", unit_json(ops::unit_info(u.unit))},
                            {"mode", "dfu"},
                            {"changed", u.change.has_value()}});
        invocation.print_json_result({{"units", list}}, kExitOk);
        return kExitOk;
    }
    for (const auto& u : outcomes)
        fmt::print("{}{}\n", escape_text(u.unit.describe()), u.change ? "" : " (was already in DFU mode)");
    return kExitOk;
}

} // namespace

void register_dfu(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<DfuOptions>();
    auto* cmd = app.add_subcommand(
        "dfu", "put a unit that runs its firmware into DFU mode (no buttons) and wait until it is back in DFU mode");
    cmd->add_option("--device", options->device, "select the unit with this device ID (24 hex digits)");
    cmd->add_option("--path", options->path, "select the unit at this USB path, BUS-PORT[.PORT...] (e.g. 1-1.4)");
    cmd->add_flag("--all", options->all, "every Photon, P1 and Electron on USB (those matching --device/--path)");
    add_enter_dfu_flags(*cmd, options->enter, false);
    add_wait_option(*cmd, options->wait);
    set_runner(*cmd, invocation, options, run_dfu);
}

} // namespace photon_dct::cli
