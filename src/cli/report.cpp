#include "report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/text.hpp"

namespace photon_dct::cli {
namespace {

using nlohmann::json;

template <typename T>
json optional_value(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

std::string port_text(const dct::DecodedAddress& a) {
    if (a.type == dct::AddressType::Invalid) return "not read (address invalid)";
    if (a.port_is_default) return fmt::format("default (stored 0x{:04x})", a.raw_port);
    return std::to_string(a.raw_port);
}

std::string target_line(const dct::ConnectionTarget& t, std::string_view versions) {
    const std::string where =
        t.connects ? fmt::format("{}:{}{}", escape_text(t.host), t.port, t.particle_cloud ? " (Particle's cloud)" : "")
                   : "no connection";
    return fmt::format("{:<17} {}  [{}]", versions, where, escape_text(t.reason));
}

} // namespace

json text_or_null(std::string_view text) { return text.empty() ? json(nullptr) : json(std::string(text)); }

json optional_json(const std::optional<std::string>& value) { return optional_value(value); }

json unit_json(const ops::UnitInfo& u) {
    const auto* usb = u.usb ? &*u.usb : nullptr;
    return {{"device_id", optional_json(u.device_id)},
            {"platform", u.platform ? json(std::string(u.platform->name)) : json(nullptr)},
            {"mode", usb ? json(usb->dfu_mode() ? "dfu" : "normal") : json(nullptr)},
            {"usb_path", usb ? text_or_null(usb->port_path) : json(nullptr)},
            {"serial", usb ? text_or_null(usb->serial) : json(nullptr)}};
}

json slot_json(const dct::SlotInfo& s) {
    const auto& k = s.server_key;
    const auto& a = s.address;
    json targets = json::array();
    for (const auto& t : s.targets)
        targets.push_back({{"device_os", dct::os_range_name(t.os_range)},
                           {"connects", t.connects},
                           {"host", text_or_null(t.host)},
                           {"port", t.port},
                           {"particle_cloud", t.particle_cloud},
                           {"reason", t.reason}});
    json address = nullptr;
    if (s.address_present)
        address = {{"type", a.type == dct::AddressType::Ipv4     ? "ipv4"
                            : a.type == dct::AddressType::Domain ? "domain"
                                                                 : "invalid"},
                   {"type_byte", a.type_byte},
                   {"length_byte", a.length_byte},
                   {"blank", a.blank},
                   {"host", text_or_null(a.host)},
                   {"raw_port", a.raw_port},
                   {"port_is_default", a.port_is_default},
                   {"domain_overlaps_port", a.domain_overlaps_port},
                   {"strict_rule_broken", text_or_null(a.strict_rule_broken)}};
    return {{"slot", dct::slot_name(s.slot)},
            {"used", s.used},
            {"server_key",
             {{"state", dct::key_state_name(k.state)},
              {"algorithm", text_or_null(k.algorithm)},
              {"der_length", k.der_length},
              {"sha256", text_or_null(k.fingerprint)},
              {"firmware_usable", k.firmware_usable},
              {"firmware_problem", text_or_null(k.firmware_problem)},
              {"particle_production", k.particle_production}}},
            {"server_address", address},
            {"connects_to", targets},
            {"device_key", device_key_json(s.device_key)}};
}

namespace {

// A word the shell reads back as `text`: as it is when it holds only safe characters, else in
// single quotes.
std::string shell_word(std::string_view text) {
    const bool safe = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("._-/:@%+=,").find(c) != std::string_view::npos;
    });
    if (safe) return std::string(text);
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string option_spelling(const dct::CommandArgument& a) { return a.option.empty() ? "" : "--" + a.option; }

json fix_json(const dct::Fix& fix) {
    json arguments = json::array();
    for (const auto& a : fix.arguments)
        arguments.push_back({{"option", a.option.empty() ? json(nullptr) : json(option_spelling(a))},
                             {"value", a.value},
                             {"placeholder", a.placeholder}});
    return {{"command", fix.command}, {"arguments", arguments}};
}

} // namespace

std::string command_line(const dct::Fix& fix) {
    std::string line = "photon-dct " + fix.command;
    for (const auto& a : fix.arguments) {
        if (!a.option.empty()) line += " " + option_spelling(a);
        line += " " + (a.placeholder ? a.value : shell_word(a.value));
    }
    return line;
}

json report_json(const dct::DctReport& r) {
    json findings = json::array();
    for (const auto& f : r.findings)
        findings.push_back({{"severity", dct::severity_name(f.severity)},
                            {"code", f.code},
                            {"message", f.message},
                            {"consequence", text_or_null(f.consequence)},
                            {"fix", f.fix ? json(command_line(*f.fix)) : json(nullptr)},
                            {"fix_command", f.fix ? fix_json(*f.fix) : json(nullptr)}});
    const auto& f = r.fields;
    return {{"platform", r.platform->name},
            {"image_size", r.image_size},
            {"all_zero", r.all_zero},
            {"all_erased", r.all_erased},
            {"active_slot", dct::slot_name(r.active_slot)},
            {"device_id", optional_value(f.device_id)},
            {"claim_code", optional_value(f.claim_code)},
            {"claimed", f.claimed},
            {"product_id", optional_value(f.product_id)},
            {"product_version", optional_value(f.product_version)},
            {"cloud_transport_byte", optional_value(f.cloud_transport_byte)},
            {"ota_update_flag", optional_value(f.ota_update_flag)},
            {"antenna_selection", optional_value(f.antenna_selection)},
            {"ssid_prefix", optional_value(f.ssid_prefix)},
            {"device_code", optional_value(f.device_code)},
            {"tcp", slot_json(r.tcp)},
            {"udp", r.udp ? slot_json(*r.udp) : json(nullptr)},
            {"findings", findings},
            {"has_errors", r.has_errors()}};
}

json write_json(const ops::WriteOutcome& w) {
    json changed = json::array();
    for (const auto& c : w.changed) changed.push_back({{"offset", c.offset}, {"length", c.length}});
    return {{"already_current", w.already_current},
            {"dry_run", w.dry_run},
            {"written", w.written},
            {"verified", w.verified},
            {"left_dfu_mode", w.left},
            {"backup", w.backup ? json(w.backup->string()) : json(nullptr)},
            {"write_offset", w.write_offset},
            {"write_length", w.write_length},
            {"changed", changed}};
}

std::string server_key_text(const dct::ServerKeyInfo& k) {
    switch (k.state) {
    case dct::KeyState::Absent:
        return "absent (image too short)";
    case dct::KeyState::Blank:
        return "blank (first byte 0xFF)";
    case dct::KeyState::Zero:
        return "all zero";
    case dct::KeyState::Garbage:
        return fmt::format("garbage ({})", k.firmware_problem);
    case dct::KeyState::Valid:
        break;
    }
    return fmt::format("{}, {} bytes, SHA-256 {}, {}{}", k.algorithm, k.der_length, k.fingerprint,
                       k.particle_production ? "Particle's production key" : "not Particle's",
                       k.firmware_usable ? "" : fmt::format("; NOT usable by the firmware: {}", k.firmware_problem));
}

std::string address_text(const dct::SlotInfo& s) {
    if (!s.address_present) return "absent (image too short)";
    const auto& a = s.address;
    std::string text;
    switch (a.type) {
    case dct::AddressType::Invalid:
        text = a.blank ? "blank (all 0xFF)" : fmt::format("invalid (type 0x{:02x})", a.type_byte);
        break;
    case dct::AddressType::Ipv4:
        text = fmt::format("IPv4 {} (length byte {})", escape_text(a.host), a.length_byte);
        break;
    case dct::AddressType::Domain:
        text = fmt::format("domain \"{}\" ({} bytes)", escape_text(a.host), a.length_byte);
        break;
    }
    return text + ", port " + port_text(a);
}

std::string slot_text(const dct::SlotInfo& s, bool udp_slot_platform) {
    std::string out = fmt::format("{} slot{}\n", s.slot == dct::Slot::Tcp ? "TCP" : "UDP",
                                  s.used              ? " (used by the firmware)"
                                  : udp_slot_platform ? " (not in use)"
                                                      : "");
    out += fmt::format("  server key       {}\n", server_key_text(s.server_key));
    out += fmt::format("  server address   {}\n", address_text(s));
    // One line when every Device OS range ends up at the same place for the same reason.
    const bool all_same = std::all_of(s.targets.begin(), s.targets.end(), [&](const dct::ConnectionTarget& t) {
        return t.connects == s.targets.front().connects && t.host == s.targets.front().host &&
               t.port == s.targets.front().port && t.reason == s.targets.front().reason;
    });
    if (all_same && s.targets.size() > 1) {
        dct::ConnectionTarget any = s.targets.front();
        out += fmt::format("  connects to      {}\n", target_line(any, "every Device OS"));
    } else {
        for (std::size_t i = 0; i < s.targets.size(); ++i)
            out += fmt::format("  {}      {}\n", i == 0 ? "connects to" : "           ",
                               target_line(s.targets[i], dct::os_range_name(s.targets[i].os_range)));
    }
    out += fmt::format("  device key       {}\n", device_key_text(s.device_key));
    return out;
}

std::string findings_text(const dct::DctReport& r) {
    if (r.findings.empty()) return "Findings\n  none: the firmware will use this configuration as it is\n";
    std::string out = "Findings\n";
    for (const auto& f : r.findings) {
        std::string sev(dct::severity_name(f.severity));
        for (auto& c : sev) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out += fmt::format("  {:<7} {} [{}]\n", sev, escape_text(f.message), f.code);
        if (!f.consequence.empty()) out += fmt::format("          means: {}\n", escape_text(f.consequence));
        if (f.fix) out += fmt::format("          fix:   {}\n", escape_text(command_line(*f.fix)));
    }
    return out;
}

std::string write_text(const ops::WriteOutcome& w, std::string_view what) {
    const std::string left = w.left ? "The unit left DFU mode and is restarting into its firmware.\n" : "";
    if (w.already_current) return fmt::format("{} already holds exactly these bytes: nothing written.\n{}", what, left);
    std::size_t changed = 0;
    for (const auto& c : w.changed) changed += c.length;
    if (w.dry_run)
        return fmt::format(
            "Dry run: would write {} bytes at DCT offset {} in one write ({} bytes change); nothing written.\n",
            w.write_length, w.write_offset, changed);
    std::string out = fmt::format("Wrote {} bytes at DCT offset {} in one write ({} bytes changed); read-back {}.\n",
                                  w.write_length, w.write_offset, changed, w.verified ? "verified" : "NOT verified");
    if (w.backup) out += fmt::format("Backup of the DCT before the write: {}\n", escape_text(w.backup->string()));
    return out + left;
}

std::string hex_dump(ByteView bytes, std::uint32_t base) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 16) {
        out += fmt::format("  {:5d} 0x{:04x}:", base + i, base + i);
        std::string ascii;
        for (std::size_t j = i; j < std::min(bytes.size(), i + 16); ++j) {
            out += fmt::format(" {:02x}", bytes[j]);
            ascii.push_back(bytes[j] >= 0x20 && bytes[j] < 0x7f ? static_cast<char>(bytes[j]) : '.');
        }
        out += std::string(3 * (16 - std::min<std::size_t>(16, bytes.size() - i)), ' ') + "  " + ascii + "\n";
    }
    return out;
}

nlohmann::json device_key_json(const dct::DeviceKeyInfo& d) {
    return {{"state", dct::key_state_name(d.state)},
            {"algorithm", text_or_null(d.algorithm)},
            {"der_length", d.der_length},
            {"firmware_parser_ok", d.firmware_parser_ok},
            {"problem", text_or_null(d.problem)},
            {"public_key_sha256", text_or_null(d.public_fingerprint)},
            {"stored_public_key", dct::public_key_state_name(d.public_key)},
            {"stored_public_key_alignment", text_or_null(d.public_key_alignment)}};
}

std::string device_key_text(const dct::DeviceKeyInfo& d) {
    std::string key;
    switch (d.state) {
    case dct::KeyState::Absent:
        key = "absent (image too short)";
        break;
    case dct::KeyState::Blank:
        key = "blank (first byte 0xFF)";
        break;
    case dct::KeyState::Zero:
        key = "all zero";
        break;
    case dct::KeyState::Garbage:
        key = fmt::format("garbage ({})", d.problem);
        break;
    case dct::KeyState::Valid:
        key = fmt::format("{}, {} bytes, {}, public key SHA-256 {}", d.algorithm, d.der_length,
                          d.firmware_parser_ok ? "readable by Device OS" : "NOT readable by Device OS: " + d.problem,
                          d.public_fingerprint);
        break;
    }
    return fmt::format("{}; stored public key {}{}", key, dct::public_key_state_name(d.public_key),
                       d.public_key_alignment.empty() ? "" : " (" + d.public_key_alignment + "-aligned)");
}

nlohmann::json device_key_result_json(const ops::DeviceKeyResult& r) {
    const auto& slot = r.platform->slot(r.slot);
    return {{"source", r.source},
            {"unit", unit_json(r.unit)},
            {"slot", dct::slot_name(r.slot)},
            {"private_key_offset", slot.device_private_key_offset},
            {"private_key_size", slot.device_private_key_size},
            {"public_key_offset", slot.device_public_key_offset},
            {"public_key_size", slot.device_public_key_size},
            {"algorithm", r.algorithm},
            {"public_key_sha256", r.public_fingerprint},
            {"before", device_key_json(r.before)},
            {"after", device_key_json(r.after)},
            {"write", write_json(r.write)}};
}

std::string device_key_result_text(const ops::DeviceKeyResult& r) {
    const auto& slot = r.platform->slot(r.slot);
    const std::string what =
        fmt::format("{} device key (private DCT {}..{}, public DCT {}..{})", r.slot == dct::Slot::Tcp ? "TCP" : "UDP",
                    slot.device_private_key_offset, slot.device_private_key_offset + slot.device_private_key_size - 1,
                    slot.device_public_key_offset, slot.device_public_key_offset + slot.device_public_key_size - 1);
    return fmt::format("{}\n{}\n  key:     {}, public key SHA-256 {}\n  before:  {}\n  after:   {}\n{}",
                       escape_text(r.source), what, r.algorithm, r.public_fingerprint, device_key_text(r.before),
                       device_key_text(r.after), write_text(r.write, "The " + what));
}

} // namespace photon_dct::cli
