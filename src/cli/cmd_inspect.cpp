#include <fmt/format.h>

#include "context.hpp"
#include "exit_codes.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/usecases.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct InspectOptions {
    TargetOptions target;
    std::string device_os;
    std::vector<std::string> raw_fields;
};

std::string field_names(const dct::Platform& p) {
    std::string names;
    for (const auto& f : p.fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
    return names;
}

int run_inspect(const InspectOptions& o, Context& context) {
    std::optional<dct::OsRange> range;
    if (!o.device_os.empty()) range = dct::parse_os_version(o.device_os);
    auto store = ops::open_target(target_request(o.target, context));
    for (const auto& name : o.raw_fields) {
        try {
            static_cast<void>(store->platform().field(name));
        } catch (const std::out_of_range&) {
            throw Error(ErrorKind::InvalidInput, fmt::format("--raw {}: no such DCT field", name),
                        "fields: " + field_names(store->platform()));
        }
    }
    context.progress(fmt::format("reading the DCT of {}", store->description()));
    const auto r = ops::inspect(*store, range);
    const auto& report = r.report;
    const int code = report.has_errors() ? kExitFindings : kExitOk;

    if (context.json) {
        auto result = report_json(report);
        result["source"] = r.source;
        result["usb"] = nullptr;
        if (const auto usb = store->usb_identity())
            result["usb"] = {{"usb_id", usb->usb_id},
                             {"serial", usb->serial},
                             {"path", usb->port_path},
                             {"product", usb->product},
                             {"alt_names", usb->alt_names}};
        result["image_sha256"] = keys::sha256_hex(r.window);
        nlohmann::json raw = nlohmann::json::object();
        for (const auto& name : o.raw_fields) {
            const auto bytes = dct::field_bytes(store->platform(), r.window, name);
            raw[name] = bytes ? nlohmann::json(to_hex(*bytes)) : nlohmann::json(nullptr);
        }
        result["raw"] = raw;
        context.print_json_result(result, code);
        return code;
    }

    const auto& f = report.fields;
    std::string out = fmt::format("{}: {} bytes\n", escape_text(r.source), report.image_size);
    if (const auto usb = store->usb_identity())
        out += fmt::format("  USB              {} \"{}\" serial {} at {}\n", usb->usb_id, escape_text(usb->product),
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
                           dct::transport_name(report.active_transport));
    if (f.ssid_prefix || f.device_code)
        out += fmt::format("  SoftAP SSID      {}-{}\n", escape_text(f.ssid_prefix.value_or("?")),
                           escape_text(f.device_code.value_or("?")));
    if (!report.all_zero && !report.all_erased) {
        out += "\n" + slot_text(report.tcp, report.platform->has_udp_slot);
        if (report.udp) out += "\n" + slot_text(*report.udp, true);
    }
    out += "\n" + findings_text(report);
    for (const auto& name : o.raw_fields) {
        const auto& spec = store->platform().field(name);
        const auto bytes = dct::field_bytes(store->platform(), r.window, name);
        out += fmt::format("\n{} (offset {}, {} bytes): {}\n", name, spec.offset, spec.size, spec.meaning);
        out += bytes ? hex_dump(*bytes, spec.offset) : "  absent: the image is too short\n";
    }
    fmt::print("{}", out);
    return code;
}

} // namespace

void register_inspect(CLI::App& app, Context& context) {
    auto options = std::make_shared<InspectOptions>();
    auto* cmd = app.add_subcommand("inspect", "decode and diagnose the DCT of a unit in DFU mode or of an image file");
    add_target_options(*cmd, options->target, false);
    cmd->add_option("--device-os", options->device_os,
                    "Device OS version on the unit (e.g. 0.6.3): show only what that version does");
    cmd->add_option("--raw", options->raw_fields, "also print this field as hex (repeatable; e.g. server_address)");
    set_runner(*cmd, context, options, run_inspect);
}

} // namespace photon_dct::cli
