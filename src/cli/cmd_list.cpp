#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/device.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct ListOptions {}; // list takes no options of its own

int run_list(const ListOptions&, Invocation& invocation) {
    const auto devices = ops::list_units();
    if (invocation.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& d : devices)
            list.push_back({{"platform", d.platform->name},
                            {"mode", d.dfu_mode() ? "dfu" : "normal"},
                            {"device_id", optional_json(d.device_id)},
                            {"serial", text_or_null(d.serial)},
                            {"usb_id", d.usb_id()},
                            {"path", d.port_path},
                            {"alt_names", d.alt_names},
                            {"access_problem", text_or_null(d.access_problem)},
                            {"unit", unit_json(ops::unit_info(d))}});
        invocation.print_json_result({{"devices", list}}, kExitOk);
        return kExitOk;
    }
    if (devices.empty()) {
        fmt::print(stderr, "no Particle Photon, P1 or Electron found on USB\n");
        return kExitOk;
    }
    fmt::print("{:<9} {:<7} {:<25} {:<10} {}\n", "PLATFORM", "MODE", "DEVICE ID", "PATH", "USB");
    for (const auto& d : devices) {
        fmt::print("{:<9} {:<7} {:<25} {:<10} {}\n", d.platform->display_name, d.dfu_mode() ? "DFU" : "normal",
                   escape_text(d.device_id.value_or(d.serial.empty() ? "?" : d.serial + " (no ID)")),
                   escape_text(d.port_path), d.usb_id());
        for (std::size_t i = 0; i < d.alt_names.size(); ++i)
            fmt::print("          alt {}: {}\n", i, escape_text(d.alt_names[i]));
        if (!d.access_problem.empty()) fmt::print("          cannot open: {}\n", escape_text(d.access_problem));
        if (!d.dfu_mode())
            fmt::print("          not in DFU mode: {}\n", quirks::dfu_mode_advice(d.quirk_facts().platform_id));
    }
    return kExitOk;
}

} // namespace

void register_list(CLI::App& app, Invocation& invocation) {
    auto* cmd = app.add_subcommand("list", "list Particle Photon, P1 and Electron units on USB (DFU and normal mode)");
    set_runner(*cmd, invocation, std::make_shared<ListOptions>(), run_list);
}

} // namespace photon_dct::cli
