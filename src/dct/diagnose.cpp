// The diagnosis rules: from a decoded DCT to findings a technician can act on. Each rule states
// what the firmware will do (docs/dct-format.md 3.5, 4.2, 5.4, 7.5) and the command that fixes it.
#include <algorithm>

#include <fmt/format.h>

#include "photon_dct/dct/decode.hpp"

namespace photon_dct::dct {
namespace {

class FindingList {
public:
    explicit FindingList(const DecodeOptions& options) : target_(options.fix_target) {}

    void add(Severity s, std::string code, std::string message, std::string consequence,
             std::optional<Fix> fix = std::nullopt) {
        if (fix) fix->arguments.insert(fix->arguments.end(), target_.begin(), target_.end());
        list_.push_back({s, std::move(code), std::move(message), std::move(consequence), std::move(fix)});
    }
    std::vector<Finding> take() { return std::move(list_); }

private:
    std::vector<CommandArgument> target_;
    std::vector<Finding> list_;
};

CommandArgument placeholder(std::string option, std::string_view name) {
    return {std::move(option), std::string(name), true};
}

// The slot a fix writes: named only for UDP (TCP is what the command picks on its own, and the
// only slot of a Photon or P1).
void add_slot(Fix& fix, const SlotInfo& s) {
    if (s.slot == Slot::Udp) fix.arguments.push_back({"protocol", "udp", false});
}

Fix restore_server_fix(const SlotInfo& s) {
    Fix fix{"restore-server", {placeholder("pem", kServerKeyPlaceholder), placeholder("host", kServerHostPlaceholder)}};
    add_slot(fix, s);
    return fix;
}

// restore --only device-key puts back the device keys of every slot the platform has.
Fix restore_fix(std::string_view only) {
    return {"restore", {placeholder("from", kBackupPlaceholder), {"only", std::string(only), false}}};
}

std::string target_text(const ConnectionTarget& t) {
    if (!t.connects) return "nowhere (no cloud connection)";
    return fmt::format("{}:{}{}", t.host, t.port, t.particle_cloud ? " (Particle's cloud)" : "");
}

// "device.spark.io:5683 (Particle's cloud)" when every Device OS range agrees, else per range.
std::string targets_text(const SlotInfo& s) {
    const auto same = std::all_of(s.targets.begin(), s.targets.end(), [&](const ConnectionTarget& t) {
        return target_text(t) == target_text(s.targets.front());
    });
    if (same) return target_text(s.targets.front());
    std::string out;
    for (const auto& t : s.targets)
        out += fmt::format("{}{} on Device OS {}", out.empty() ? "" : "; ", target_text(t), os_range_name(t.os_range));
    return out;
}

bool reaches_particle_only(const SlotInfo& s) {
    return std::all_of(s.targets.begin(), s.targets.end(),
                       [](const ConnectionTarget& t) { return !t.connects || t.particle_cloud; });
}

void diagnose_server(const SlotInfo& s, FindingList& out) {
    const auto& key = s.server_key;
    const auto& addr = s.address;
    const std::string slot = s.slot == Slot::Tcp ? "TCP" : "UDP";
    const bool particle_key = key.state == KeyState::Valid && key.particle_production;

    switch (key.state) {
    case KeyState::Absent:
        break;
    case KeyState::Blank:
        out.add(Severity::Error, "server-key-blank", fmt::format("{} server public key is blank", slot),
                "Device OS 0.6.x and earlier cannot complete the handshake; 0.7.0 and later substitute Particle's "
                "production key in RAM, so only Particle's cloud is accepted, not your server",
                restore_server_fix(s));
        break;
    case KeyState::Zero:
    case KeyState::Garbage:
        out.add(Severity::Error, "server-key-invalid",
                fmt::format("{} server public key is {} ({})", slot, key_state_name(key.state), key.firmware_problem),
                "the firmware uses it as is and every cloud handshake fails", restore_server_fix(s));
        break;
    case KeyState::Valid:
        if (!key.firmware_usable)
            out.add(Severity::Error, "server-key-unusable",
                    fmt::format("{} server public key ({}) cannot be used by the firmware: {}", slot, key.algorithm,
                                key.firmware_problem),
                    "every cloud handshake fails", restore_server_fix(s));
        break;
    }

    if (!s.address_present || s.targets.empty()) return;
    if (addr.type == AddressType::Invalid) {
        const bool blank = addr.type_byte == 0xFF;
        const std::string what =
            blank ? "server address blank" : fmt::format("server address invalid (type 0x{:02x})", addr.type_byte);
        if (particle_key) {
            out.add(Severity::Info, blank ? "server-address-blank" : "server-address-invalid",
                    fmt::format("{}; the server key is Particle's production key", what),
                    fmt::format("this device will connect to {} (Particle's default configuration)", targets_text(s)));
        } else {
            out.add(Severity::Error, blank ? "server-address-blank" : "server-address-invalid",
                    fmt::format("{}: this device will connect to {}, not your server", what, targets_text(s)),
                    "the unit talks to Particle's cloud (or to nothing) instead of your private cloud",
                    restore_server_fix(s));
        }
        return;
    }
    if (addr.type == AddressType::Domain && addr.host.empty()) {
        out.add(Severity::Error, "server-address-empty", "server address is a domain name of length 0",
                "the name lookup fails and the device never reaches a cloud", restore_server_fix(s));
        return;
    }
    if (addr.domain_overlaps_port)
        out.add(Severity::Warning, "server-address-overlaps-port",
                fmt::format("server host name is {} bytes and runs into the port bytes", addr.length_byte),
                fmt::format("the firmware reads bytes 66-67 of the name as the port ({})", addr.raw_port),
                restore_server_fix(s));
    else if (!addr.strict_rule_broken.empty())
        out.add(Severity::Warning, "server-address-nonstandard",
                fmt::format("server address breaks a writer rule: {}", addr.strict_rule_broken),
                "Gen 2 firmware tolerates it, but particle-cli and Device OS 5.3+ tools read it differently",
                restore_server_fix(s));

    const bool udp_port_ignored = std::any_of(s.targets.begin(), s.targets.end(), [&](const ConnectionTarget& t) {
        return !addr.port_is_default && t.port != addr.raw_port;
    });
    if (s.slot == Slot::Udp && udp_port_ignored)
        out.add(Severity::Warning, "udp-port-ignored",
                fmt::format("stored UDP port {} is ignored by Device OS 1.1.0 and later", addr.raw_port),
                "those versions always connect to UDP port 5684");

    if (particle_key && !reaches_particle_only(s))
        out.add(Severity::Warning, "server-key-particle-for-private-host",
                fmt::format("server key is Particle's production key but the address points to {}", targets_text(s)),
                "your server cannot prove that key, so the handshake fails", restore_server_fix(s));
    if (key.state == KeyState::Valid && !particle_key && reaches_particle_only(s))
        out.add(Severity::Warning, "server-address-particle-with-custom-key",
                fmt::format("server address points to Particle's cloud ({}) but the server key is not Particle's",
                            targets_text(s)),
                "Particle's cloud cannot prove your key, so the handshake fails", restore_server_fix(s));
}

void diagnose_device_key(const SlotInfo& s, FindingList& out) {
    const auto& k = s.device_key;
    const Fix restore_key_fix = restore_fix("device-key");
    switch (k.state) {
    case KeyState::Absent:
        return;
    case KeyState::Blank:
        out.add(Severity::Error, "device-key-blank", "device private key is blank",
                "at the next boot the firmware generates a new key that your cloud has never seen, and the cloud "
                "rejects the unit",
                restore_key_fix);
        return;
    case KeyState::Zero:
    case KeyState::Garbage:
        out.add(Severity::Error, "device-key-invalid",
                fmt::format("device private key is {} ({})", key_state_name(k.state), k.problem),
                "the firmware never regenerates a key whose first byte is not 0xFF; every handshake fails",
                restore_key_fix);
        return;
    case KeyState::Valid:
        if (!k.firmware_parser_ok)
            out.add(Severity::Error, "device-key-unreadable-by-firmware",
                    fmt::format("device private key ({}) cannot be read by Device OS: {}", k.algorithm, k.problem),
                    "every handshake fails", [&] {
                        Fix fix{"new-device-key", {}};
                        add_slot(fix, s);
                        return fix;
                    }());
        break;
    }
    if (k.public_key == PublicKeyState::Mismatch || k.public_key == PublicKeyState::Garbage)
        out.add(Severity::Warning, "device-public-key-mismatch",
                fmt::format("stored device public key {} the private key", k.public_key == PublicKeyState::Mismatch
                                                                               ? "does not match"
                                                                               : "is unreadable, not derived from"),
                "the firmware rewrites it from the private key at its next cloud connection; until then tools that "
                "read it get the wrong key");
}

} // namespace

std::vector<Finding> diagnose(const DctReport& r, const DecodeOptions& options) {
    FindingList out(options);
    if (r.all_zero) {
        out.add(Severity::Error, "dct-unreadable", "the DCT reads as all zeros: the bootloader could not read it",
                "a 0.7.0+ bootloader reaches the DCT through the system firmware, which is missing, invalid or older "
                "than 0.7.0-rc.1; reads return zeros and writes fail");
        return out.take();
    }
    if (r.all_erased) {
        out.add(Severity::Error, "dct-erased", "every byte of the DCT is 0xFF (erased)",
                "the firmware generates a new device key at boot and connects to Particle's cloud by default",
                restore_fix("all"));
        return out.take();
    }
    const SlotInfo& active = r.active_slot == Slot::Udp ? *r.udp : r.tcp;
    diagnose_server(active, out);
    diagnose_device_key(active, out);
    if (!r.fields.device_id)
        out.add(Severity::Info, "device-id-blank", "device_id is blank",
                "the firmware writes it from the MCU's unique ID at the next boot");
    // The USB serial is the MCU's ID; a different device_id means this DCT was copied from another
    // unit, and the firmware fills device_id only when it is blank (docs/dct-format.md 5.4).
    else if (options.usb_device_id && *r.fields.device_id != *options.usb_device_id)
        out.add(Severity::Warning, "device-id-mismatch",
                fmt::format("device_id is {} but the unit's USB serial says {}: this DCT was copied from another unit",
                            *r.fields.device_id, *options.usb_device_id),
                "the firmware never corrects a device_id that is set, and the device keys here are likely the other "
                "unit's, which the cloud does not accept from this one",
                restore_fix("all"));
    if (r.platform->has_udp_slot && r.fields.cloud_transport_byte &&
        *r.fields.cloud_transport_byte != kCloudTransportUdp && *r.fields.cloud_transport_byte != kCloudTransportTcp)
        out.add(Severity::Info, "cloud-transport-nonstandard",
                fmt::format("cloud_transport is 0x{:02x}; the firmware treats anything but 0xFF as TCP",
                            *r.fields.cloud_transport_byte),
                "the Electron uses the TCP slot", Fix{"protocol", {{"", "tcp", false}}});
    return out.take();
}

} // namespace photon_dct::dct
