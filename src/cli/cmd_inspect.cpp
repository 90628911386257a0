#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/inspect.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct InspectOptions {
    TargetOptions target;
    std::string device_os;
    std::vector<std::string> raw_fields;
};

int run_inspect(const InspectOptions& o, Invocation& invocation) {
    ops::InspectRequest request;
    request.device_os = option_value(o.device_os, "--device-os");
    request.raw_fields = o.raw_fields;
    request.alt_names = invocation.json; // the JSON report lists them (usb.alt_names); the text does not
    auto target = make_target(o.target, invocation);
    const auto r = ops::inspect(target, request);
    const auto& report = r.report;
    const auto& platform = *r.platform;
    const int code = report.has_errors() ? kExitFindings : kExitOk;

    if (invocation.json) {
        auto result = report_json(report);
        result["source"] = r.source;
        result["unit"] = unit_json(r.unit);
        result["usb"] = nullptr;
        if (const auto& usb = r.unit.usb)
            result["usb"] = {{"usb_id", usb->usb_id()},
                             {"serial", text_or_null(usb->serial)},
                             {"path", text_or_null(usb->port_path)},
                             {"product", text_or_null(usb->product)},
                             {"alt_names", usb->alt_names}};
        result["image_sha256"] = keys::sha256_hex(r.window);
        nlohmann::json raw = nlohmann::json::object();
        for (const auto& name : o.raw_fields) {
            const auto bytes = dct::field_bytes(platform, r.window, name);
            raw[name] = bytes ? nlohmann::json(to_hex(*bytes)) : nlohmann::json(nullptr);
        }
        result["raw"] = raw;
        invocation.print_json_result(result, code);
        return code;
    }

    const auto& f = report.fields;
    std::string out = fmt::format("{}: {} bytes\n", escape_text(r.source), report.image_size);
    if (const auto& usb = r.unit.usb)
        out += fmt::format("  USB              {} \"{}\" serial {} at {}\n", usb->usb_id(), escape_text(usb->product),
                           escape_text(usb->serial), escape_text(usb->port_path));
    out += fmt::format("  device ID        {}\n", escape_text(f.device_id.value_or("blank")));
    out += fmt::format("  claimed          {}{}\n", f.claimed ? "yes" : "no",
                       f.claim_code ? fmt::format(" (claim code \"{}\")", escape_text(*f.claim_code)) : "");
    if (f.product_id || f.product_version)
        out +=
            fmt::format("  product          id {} version {}\n", f.product_id ? std::to_string(*f.product_id) : "unset",
                        f.product_version ? std::to_string(*f.product_version) : "unset");
    if (report.platform->has_udp_slot && f.cloud_transport_byte)
        out += fmt::format("  cloud transport  0x{:02x} = {}\n", *f.cloud_transport_byte,
                           dct::slot_name(report.active_slot));
    if (f.ssid_prefix || f.device_code)
        out += fmt::format("  SoftAP SSID      {}-{}\n", escape_text(f.ssid_prefix.value_or("?")),
                           escape_text(f.device_code.value_or("?")));
    if (!report.all_zero && !report.all_erased) {
        out += "\n" + slot_text(report.tcp, report.platform->has_udp_slot);
        if (report.udp) out += "\n" + slot_text(*report.udp, true);
    }
    out += "\n" + findings_text(report);
    for (const auto& name : o.raw_fields) {
        const auto& spec = platform.field(name);
        const auto bytes = dct::field_bytes(platform, r.window, name);
        out += fmt::format("\n{} (offset {}, {} bytes): {}\n", name, spec.offset, spec.size, spec.meaning);
        out += bytes ? hex_dump(*bytes, spec.offset) : "  absent: the image is too short\n";
    }
    fmt::print("{}", out);
    return code;
}

} // namespace

void register_inspect(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<InspectOptions>();
    auto* cmd = app.add_subcommand("inspect", "decode and diagnose the DCT of a unit in DFU mode or of an image file");
    add_target_options(*cmd, options->target, false);
    cmd->add_option("--device-os", options->device_os,
                    "Device OS version on the unit (e.g. 0.6.3): show only what that version does");
    cmd->add_option("--raw", options->raw_fields, "also print this field as hex (repeatable; e.g. server_address)");
    set_runner(*cmd, invocation, options, run_inspect);
}

} // namespace photon_dct::cli
