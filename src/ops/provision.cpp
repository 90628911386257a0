#include "photon_dct/ops/provision.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "photon_dct/ops/restore.hpp"
#include "photon_dct/ops/slot.hpp"

namespace photon_dct::ops {
namespace fs = std::filesystem;

namespace {

// The DCT field names of a slot's pieces (platform table, docs/dct-format.md 2).
std::string server_key_field(dct::Slot t) {
    return t == dct::Slot::Tcp ? "server_public_key" : "alt_server_public_key";
}
std::string server_address_field(dct::Slot t) { return t == dct::Slot::Tcp ? "server_address" : "alt_server_address"; }
std::string device_key_field(dct::Slot t) {
    return t == dct::Slot::Tcp ? "device_private_key" : "alt_device_private_key";
}

std::string address_text(const dct::DecodedAddress& a) {
    if (a.blank) return "blank";
    if (a.type == dct::AddressType::Invalid) return fmt::format("invalid (type byte 0x{:02x})", a.type_byte);
    return fmt::format("'{}'", a.host);
}

std::string port_text(const dct::DecodedAddress& a) {
    return a.port_is_default ? "the firmware default" : std::to_string(a.raw_port);
}

// Everything the profile says about one unit, worked out from its window.
struct Plan {
    ProfileCheck check;
    Bytes window;
    std::vector<Region> regions;
    std::vector<std::string> actions;
    std::optional<keys::Key> device_key; // the usable key in the slot, when there is one
    std::optional<keys::Key> registered; // <public_keys>/<id>.pub.pem, when it exists
    fs::path registered_path;
    bool device_key_unusable = false;
};

void add(ProfileCheck& c, std::string code, std::string field, std::string message, bool blocking = false) {
    c.findings.push_back({std::move(code), std::move(field), std::move(message), blocking});
}

// The server block the profile asks for in `slot`; nullopt (with a blocking finding) when the
// profile's key does not fit that slot.
std::optional<Bytes> expected_server_block(const profile::Profile& p, const dct::SlotLayout& slot, ProfileCheck& c) {
    if (p.server.particle_cloud) return dct::particle_cloud_server_block(slot);
    try {
        const Bytes der = dct::server_key_der_for_slot(slot.kind, *p.server.key);
        return dct::encode_server_block(slot, {slot.kind, der, *p.server.host, p.server.port});
    } catch (const Error& e) {
        add(c, "server-key-slot", server_key_field(slot.kind),
            fmt::format("the unit uses the {} slot, but the profile's server key does not fit it: {}",
                        slot_display_name(slot.kind), e.what()),
            true);
        return std::nullopt;
    }
}

// Compares what the firmware reads (the key's DER, the address TLV, the port), not padding bytes
// that no firmware reads (particle-cli leaves remnants there: docs/dct-format.md 9.2).
void compare_server_block(const dct::SlotLayout& slot, ByteView actual, const Bytes& expected, std::size_t key_size,
                          Plan& plan) {
    auto& c = plan.check;
    bool differs = false;
    if (!std::equal(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(key_size), actual.begin())) {
        add(c, "server-key", server_key_field(slot.kind),
            fmt::format("the {} server key is not the profile's", slot_display_name(slot.kind)));
        plan.actions.push_back("server key restored");
        differs = true;
    }
    const auto have = dct::decode_address(actual.subspan(slot.address_offset));
    const auto want = dct::decode_address(ByteView(expected).subspan(slot.address_offset));
    if (have.type != want.type || have.host != want.host) {
        add(c, "server-address", server_address_field(slot.kind),
            fmt::format("the {} server address is {}, the profile's is {}", slot_display_name(slot.kind),
                        address_text(have), address_text(want)));
        plan.actions.push_back("server address restored");
        differs = true;
    } else if (have.port_is_default != want.port_is_default ||
               (!want.port_is_default && have.raw_port != want.raw_port)) {
        add(c, "server-port", server_address_field(slot.kind),
            fmt::format("the {} server port is {}, the profile's is {}", slot_display_name(slot.kind), port_text(have),
                        port_text(want)));
        plan.actions.push_back("server port restored");
        differs = true;
    }
    if (differs) plan.regions.push_back({slot.server_block_offset, expected});
}

// `report` is plan.window decoded (once per unit: decoding checks every stored key pair, which costs
// CPU that a bench of several units at once shares).
void check_device_key(const dct::SlotLayout& slot, const dct::DctReport& report, const profile::Profile& p,
                      Plan& plan) {
    auto& c = plan.check;
    dct::DeviceKeyInfo info;
    auto key = dct::stored_device_private_key(slot, plan.window, info);
    const auto& decoded = slot.kind == dct::Slot::Udp && report.udp ? report.udp->device_key : report.tcp.device_key;
    if (key && decoded.firmware_parser_ok) plan.device_key = std::move(key);

    if (c.unit.device_id) {
        plan.registered_path = p.public_keys / (*c.unit.device_id + ".pub.pem");
        std::error_code ec;
        if (fs::exists(plan.registered_path, ec)) plan.registered = keys::load_key_file(plan.registered_path);
    }
    if (plan.device_key) {
        if (plan.registered && !plan.registered->same_public_key(*plan.device_key))
            add(c, "device-key-conflict", device_key_field(slot.kind),
                fmt::format("the {} device key (public key SHA-256 {}) is not the one registered in '{}' ({}); "
                            "photon-dct never overwrites it",
                            slot_display_name(slot.kind), keys::fingerprint(*plan.device_key),
                            plan.registered_path.string(), keys::fingerprint(*plan.registered)),
                true);
        return;
    }
    plan.device_key_unusable = true;
    const std::string state = info.state == dct::KeyState::Valid
                                  ? fmt::format("unreadable by Device OS ({})", decoded.problem)
                                  : std::string(dct::key_state_name(info.state));
    add(c, "device-key-unusable", device_key_field(slot.kind),
        fmt::format("the {} device key is {}", slot_display_name(slot.kind), state),
        p.missing_key == profile::MissingKeyAction::Fail);
}

Plan plan_unit(Target& target, const profile::Profile& p) {
    Plan plan;
    auto& c = plan.check;
    auto& store = target.acquire();
    const auto& platform = store.platform();
    c.source = store.description();
    c.platform = &platform;
    plan.window = target.read_window();
    c.dct_sha256 = keys::sha256_hex(plan.window);
    require_readable_dct(store, plan.window);
    // decode_dct refuses an image of a size no DCT has before anything is compared.
    const dct::DctReport report = dct::decode_dct(platform, plan.window);
    c.unit = unit_info(store, plan.window);
    // Identity is checked, not assumed: a DCT copied from another unit would get that unit's keys.
    const auto stored_id = dct::stored_device_id(platform, plan.window);
    const auto usb_id = store.usb_device_id();
    if (stored_id && usb_id && *stored_id != *usb_id)
        add(c, "device-id-mismatch", "device_id",
            fmt::format("the DCT holds device ID {} but the unit reports {} on USB (a DCT copied from another unit?)",
                        *stored_id, *usb_id),
            true);
    if (!c.unit.device_id)
        add(c, "device-id-missing", "device_id",
            "the unit has no device ID (blank device_id field, no ID in the USB serial): its key files cannot be named",
            true);

    // The profile's protocol applies to units that have a choice (Electron); Photon and P1 use TCP.
    c.slot =
        platform.has_udp_slot ? p.server.protocol.value_or(dct::active_slot(platform, plan.window)) : dct::Slot::Tcp;
    const auto& slot = platform.slot(c.slot);
    if (platform.has_udp_slot && p.server.protocol && dct::active_slot(platform, plan.window) != *p.server.protocol) {
        add(c, "protocol", "cloud_transport",
            fmt::format("the unit uses {}, the profile says {}",
                        dct::slot_name(dct::active_slot(platform, plan.window)), dct::slot_name(*p.server.protocol)));
        plan.actions.push_back(fmt::format("protocol set to {}", dct::slot_name(*p.server.protocol)));
        plan.regions.push_back(
            {platform.field("cloud_transport").offset,
             {*p.server.protocol == dct::Slot::Udp ? dct::kCloudTransportUdp : dct::kCloudTransportTcp}});
    }
    if (const auto expected = expected_server_block(p, slot, c)) {
        const std::size_t key_size = p.server.particle_cloud
                                         ? (c.slot == dct::Slot::Tcp ? 294u : 91u)
                                         : dct::server_key_der_for_slot(c.slot, *p.server.key).size();
        compare_server_block(slot, ByteView(plan.window).subspan(slot.server_block_offset, slot.server_block_size),
                             *expected, key_size, plan);
    }
    check_device_key(slot, report, p, plan);
    return plan;
}

struct BackupKey {
    fs::path path;
    fs::file_time_type time;
    keys::Key key;
};

// missing = "restore": the newest backup of this unit in [files] backups whose slot holds a key the
// firmware reads (and, when a public key is registered, that key). Backups are untrusted bytes:
// the same strict parsers as for a unit.
std::optional<BackupKey> find_backup_key(const profile::Profile& p, const dct::Platform& platform,
                                         const dct::SlotLayout& slot, const Plan& plan, std::string& why_not) {
    std::vector<BackupKey> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(p.backups, ec)) {
        std::error_code e2;
        if (!entry.is_regular_file(e2) || entry.is_symlink(e2)) continue;
        Bytes bytes;
        try {
            bytes = read_bounded_file(entry.path(), "backup " + entry.path().string(), dct_image_rule());
        } catch (const Error&) {
            continue; // unreadable files and files of another size are not backups we can use
        }
        if (dct::stored_device_id(platform, bytes) != plan.check.unit.device_id) continue;
        dct::DeviceKeyInfo info;
        auto key = dct::stored_device_private_key(slot, bytes, info);
        if (!key) continue;
        const auto report = dct::decode_dct(platform, bytes);
        const auto& decoded =
            slot.kind == dct::Slot::Udp && report.udp ? report.udp->device_key : report.tcp.device_key;
        if (!decoded.firmware_parser_ok) continue;
        if (plan.registered && !plan.registered->same_public_key(*key)) continue;
        found.push_back({entry.path(), entry.last_write_time(e2), std::move(*key)});
    }
    if (found.empty()) {
        why_not = fmt::format("no backup of {} in '{}' holds a usable {} device key{}", *plan.check.unit.device_id,
                              p.backups.string(), slot_display_name(slot.kind),
                              plan.registered ? " matching its registered public key" : "");
        return std::nullopt;
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.time > b.time; });
    for (const auto& other : found)
        if (!other.key.same_public_key(found.front().key)) {
            why_not =
                fmt::format("backups of {} in '{}' hold different device keys ({} and {}) and none is registered; "
                            "restore the right one with `photon-dct restore --from BACKUP --only device-key`",
                            *plan.check.unit.device_id, p.backups.string(), found.front().path.filename().string(),
                            other.path.filename().string());
            return std::nullopt;
        }
    return std::move(found.front());
}

void export_public_key_file(const fs::path& path, const keys::Key& key) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(path, ec))) return; // already registered (and checked to match)
    const std::string pem = key.public_pem();
    write_new_file(path, ByteView(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()),
                   fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

} // namespace

ProfileCheck verify(Target& target, const profile::Profile& profile) { return plan_unit(target, profile).check; }

ProvisionResult provision(Target& target, const profile::Profile& p, const ProvisionOptions& options) {
    Plan plan = plan_unit(target, p);
    auto& store = target.acquire();
    ProvisionResult r;
    r.before = plan.check;
    r.dct_sha256_after = plan.check.dct_sha256;
    const auto fail = [&](std::string why) {
        r.outcome = ProvisionOutcome::Failed;
        r.failure = std::move(why);
        return r;
    };
    for (const auto& f : plan.check.findings)
        if (f.blocking) return fail(f.message);

    const auto& platform = store.platform();
    const auto& slot = platform.slot(plan.check.slot);
    const std::string& id = *plan.check.unit.device_id;
    std::optional<keys::Key> new_key;
    if (plan.device_key_unusable) {
        if (p.missing_key == profile::MissingKeyAction::Restore) {
            std::string why_not;
            auto found = find_backup_key(p, platform, slot, plan, why_not);
            if (!found) return fail(why_not);
            r.key_backup = found->path;
            plan.device_key = std::move(found->key);
            plan.actions.push_back(fmt::format("device key restored from {}", found->path.filename().string()));
        } else {
            if (plan.registered)
                return fail(fmt::format("the device key is unusable and a public key is registered in '{}': a new key "
                                        "would not match it; restore the unit's key from a backup",
                                        plan.registered_path.string()));
            new_key = slot.kind == dct::Slot::Tcp ? keys::generate_device_rsa_key() : keys::generate_ec_p256();
            plan.device_key = *new_key;
            plan.actions.push_back("new device key");
        }
        for (auto& region : device_key_regions(slot, *plan.device_key)) plan.regions.push_back(std::move(region));
    } else {
        plan.actions.push_back("device key kept");
    }
    r.public_key_path = plan.registered_path;
    r.public_key_sha256 = keys::fingerprint(*plan.device_key);

    const bool changes = std::any_of(plan.regions.begin(), plan.regions.end(), [&](const Region& region) {
        return !std::equal(region.bytes.begin(), region.bytes.end(), plan.window.begin() + region.offset);
    });
    if (!changes) {
        r.outcome = ProvisionOutcome::AlreadyConforms;
        r.actions = {"already conforms"};
        export_public_key_file(plan.registered_path, *plan.device_key);
        if (options.leave) r.left = store.leave();
        return r;
    }
    if (new_key) {
        r.private_key_path = p.public_keys / (id + ".pem");
        save_device_key_files(*r.private_key_path, plan.registered_path, *new_key);
    }
    WriteOptions write;
    write.leave = options.leave;
    write.progress = options.progress;
    write.backup_path = unique_timestamped_path(p.backups, fmt::format("{}-{}", platform.name, id), ".dct");
    r.write = write_regions(store, plan.window, plan.regions, write);
    export_public_key_file(plan.registered_path, *plan.device_key);
    r.outcome = ProvisionOutcome::Written;
    r.actions = std::move(plan.actions);
    for (const auto& change : describe_changes(platform, r.write->changed))
        if (std::find(r.changed_fields.begin(), r.changed_fields.end(), change.field) == r.changed_fields.end())
            r.changed_fields.push_back(change.field);
    r.dct_sha256_after = keys::sha256_hex(r.write->after);
    r.left = r.write->left;
    return r;
}

} // namespace photon_dct::ops
