#include "photon_dct/ops/device_keys.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "photon_dct/dct/device_key.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/inspect.hpp"

namespace photon_dct::ops {
namespace fs = std::filesystem;

namespace {

// Overwrites a string that held private key material before it is freed.
void wipe(std::string& s) {
    volatile char* p = s.data();
    for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
    s.clear();
}

void refuse_existing_key_files(const fs::path& private_path, const fs::path& public_path) {
    for (const auto& p : {private_path, public_path}) {
        std::error_code ec;
        if (fs::exists(fs::symlink_status(p, ec)))
            throw Error(ErrorKind::FileIo,
                        fmt::format("'{}' already exists; photon-dct never overwrites a key file", p.string()),
                        "move the old key files away (they may be the only copy of a key), or use another --out-dir");
    }
}

std::string private_range(const dct::SlotLayout& s) {
    return fmt::format("DCT {}..{}", s.device_private_key_offset,
                       s.device_private_key_offset + s.device_private_key_size - 1);
}

dct::DeviceKeyInfo device_key_info(const dct::Platform& platform, const Bytes& window, dct::Slot slot) {
    const auto report = dct::decode_dct(platform, window);
    return slot == dct::Slot::Udp && report.udp ? report.udp->device_key : report.tcp.device_key;
}

// Slot layouts are the same on every Gen 2 platform; the Electron's table has both in use.
const dct::SlotLayout& layout(const dct::Platform* platform, dct::Slot slot) {
    return (platform ? *platform : dct::platform(dct::PlatformId::Electron)).slot(slot);
}

void check_key_fits_unit(const DeviceKeyInput& input, const dct::Platform& platform, dct::Slot unit) {
    if (input.key_slot == unit) return;
    const bool chosen_by_unit = platform.has_udp_slot;
    throw Error(ErrorKind::InvalidInput,
                fmt::format("the device key is {}, which only fits the {} slot, but {} the {} slot", input.algorithm,
                            slot_display_name(input.key_slot),
                            chosen_by_unit ? "this unit uses (cloud_transport)" : "this platform only has",
                            slot_display_name(unit)),
                chosen_by_unit ? fmt::format("pass --protocol {} to write the {} slot, or use a {} key",
                                             dct::slot_name(input.key_slot), slot_display_name(input.key_slot),
                                             unit == dct::Slot::Tcp ? "RSA-1024" : "EC P-256")
                               : "the Photon and P1 need an RSA-1024 device key (new-device-key makes one)");
}

// The slot rules a known platform decides without DCT bytes.
void check_device_key_slot(const DeviceKeyInput& input, const dct::Platform& platform, std::optional<dct::Slot> asked) {
    const auto slot = slot_before_read(platform, asked);
    if (slot && !asked) check_key_fits_unit(input, platform, *slot);
}

DeviceKeyResult write_device_key(DctStore& store, const Bytes& window, dct::Slot slot, const keys::Key& key,
                                 const std::vector<Region>& regions, const WriteOptions& options) {
    DeviceKeyResult r;
    r.source = store.description();
    r.platform = &store.platform();
    r.unit = unit_info(store, window);
    r.slot = slot;
    r.algorithm = key.algorithm_name();
    r.public_fingerprint = keys::fingerprint(key);
    r.public_pem = key.public_pem();
    r.before = device_key_info(store.platform(), window, slot); // also refuses an image of a wrong size
    r.write = write_regions(store, window, regions, options);
    r.after = device_key_info(store.platform(), r.write.after, slot);
    return r;
}

} // namespace

std::vector<Region> device_key_regions(const dct::SlotLayout& slot, const keys::Key& private_key) {
    auto bytes = dct::encode_device_key_slots(slot, private_key);
    std::vector<Region> regions;
    regions.push_back({slot.device_private_key_offset, std::move(bytes.private_slot)});
    regions.push_back({slot.device_public_key_offset, std::move(bytes.public_slot)});
    return regions;
}

void save_device_key_files(const fs::path& private_path, const fs::path& public_path, const keys::Key& key) {
    refuse_existing_key_files(private_path, public_path);
    std::string pem = key.private_pem();
    try {
        write_new_file(private_path, ByteView(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()),
                       fs::perms::owner_read | fs::perms::owner_write);
    } catch (...) {
        wipe(pem);
        throw;
    }
    wipe(pem);
    const std::string pub = key.public_pem();
    try {
        write_new_file(public_path, ByteView(reinterpret_cast<const std::uint8_t*>(pub.data()), pub.size()),
                       fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    } catch (const Error& e) {
        // A private key file without its public half would hold a key nobody uses, and its name
        // would make the rerun refuse (key files are never overwritten): take it away again.
        std::error_code ec;
        fs::remove(private_path, ec);
        throw Error(e.kind(),
                    ec ? fmt::format("{}; the private key file '{}' written just before could not be removed ({}): "
                                     "delete it before running the command again",
                                     e.what(), private_path.string(), ec.message())
                       : fmt::format("{}; the private key file '{}' written just before was removed again", e.what(),
                                     private_path.string()),
                    e.hint());
    }
}

// ---- restore-device-key -----------------------------------------------------------------

DeviceKeyInput check_device_key_input(const RestoreDeviceKeyRequest& request, const dct::Platform* platform) {
    const std::string what = "--pem " + request.key_path.string();
    keys::Key key = keys::load_key_file(request.key_path, what);
    if (!key.is_private())
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("{} holds a public key ({}); the device slot needs the private key", what,
                                key.algorithm_name()),
                    "pass the device's private key (the .pem new-device-key saved, or a key from a backup)");
    const auto fits = slot_for_key(key);
    std::optional<dct::Slot> check = request.slot;
    if (platform) check = slot_before_read(*platform, request.slot); // refuses UDP on Photon/P1
    // encode_device_key_slots holds the rules (type/size, e = 65537, the firmware's fixed-position
    // parser); it names the one that fails.
    device_key_regions(layout(platform, check.value_or(fits.value_or(dct::Slot::Tcp))), key);
    const std::string algorithm = key.algorithm_name();
    const std::string fingerprint = keys::fingerprint(key);
    return DeviceKeyInput{std::move(key), check.value_or(fits.value_or(dct::Slot::Tcp)), algorithm, fingerprint};
}

DeviceKeyResult restore_device_key(Target& target, const RestoreDeviceKeyRequest& request) {
    const auto input = check_device_key_input(request, target.known_platform());
    target.require_backup_dir(request.write);
    DctStore& store = target.acquire();
    check_device_key_slot(input, store.platform(), request.slot);
    const Bytes window = target.read_window();
    const auto slot = choose_slot(store.platform(), window, request.slot);
    check_key_fits_unit(input, store.platform(), slot);
    const auto regions = device_key_regions(store.platform().slot(slot), input.key);
    return write_device_key(store, window, slot, input.key, regions, request.write);
}

// ---- new-device-key ---------------------------------------------------------------------

void check_new_device_key_input(const NewDeviceKeyRequest& request, const dct::Platform* platform) {
    std::error_code ec;
    if (!fs::is_directory(request.out_dir, ec))
        throw Error(ErrorKind::FileIo, fmt::format("--out-dir '{}' is not a directory", request.out_dir.string()),
                    "create it first, or name an existing directory");
    if (platform) slot_before_read(*platform, request.slot);
}

NewDeviceKeyResult new_device_key(Target& target, const NewDeviceKeyRequest& request) {
    check_new_device_key_input(request, target.known_platform());
    target.require_backup_dir(request.write);
    DctStore& store = target.acquire();
    check_new_device_key_input(request, &store.platform());
    NewDeviceKeyResult r;
    const Bytes window = target.read_window();
    const auto slot = choose_slot(store.platform(), window, request.slot);
    // Named after the unit's own ID (its USB serial, else the DCT's device_id: ops::unit_info), not
    // after a device_id that a DCT copied from another unit brings along.
    const auto id = unit_info(store, window).device_id;
    if (!id)
        throw Error(ErrorKind::DeviceDataInvalid,
                    fmt::format("{}: no device ID to name the key files after (the DCT's device_id field is blank and "
                                "there is no USB serial with one)",
                                store.description()),
                    "restore the DCT from a backup of this unit first (photon-dct restore --from BACKUP --only all)");
    r.device_id = *id;
    r.private_key_path = request.out_dir / (*id + ".pem");
    r.public_key_path = request.out_dir / (*id + ".pub.pem");
    refuse_existing_key_files(r.private_key_path, r.public_key_path);

    const keys::Key key = slot == dct::Slot::Tcp ? keys::generate_device_rsa_key() : keys::generate_ec_p256();
    const auto regions = device_key_regions(store.platform().slot(slot), key);
    const auto progress = [&](const std::string& line) {
        if (request.write.progress) request.write.progress(line);
    };

    if (!request.write.dry_run) {
        // Key files for a unit that cannot be written would hold a key nobody uses.
        require_readable_dct(store, window);
        // The key files first: once the DCT holds the key, the .pem must already exist.
        try {
            save_device_key_files(r.private_key_path, r.public_key_path, key);
        } catch (const Error& e) {
            throw Error(e.kind(), fmt::format("{}; nothing was written to {}", e.what(), store.description()),
                        e.hint());
        }
        r.files_saved = true;
        progress(fmt::format("new {} device key saved to {} (mode 0600) and {}", key.algorithm_name(),
                             r.private_key_path.string(), r.public_key_path.string()));
    }
    try {
        r.key = write_device_key(store, window, slot, key, regions, request.write);
    } catch (const Error& e) {
        if (!r.files_saved) throw;
        throw Error(e.kind(), fmt::format("{} (the new key is saved in {})", e.what(), r.private_key_path.string()),
                    e.hint());
    }
    return r;
}

// ---- export-public-key ------------------------------------------------------------------

ExportPublicKeyResult export_public_key(Target& target, const ExportPublicKeyRequest& request) {
    if (const auto* platform = target.known_platform()) slot_before_read(*platform, request.slot);
    if (request.output) require_new_file(*request.output, "-o");
    DctStore& store = target.acquire();
    slot_before_read(store.platform(), request.slot);
    ExportPublicKeyResult r;
    r.source = store.description();
    r.platform = &store.platform();
    const Bytes window = target.read_window();
    r.slot = choose_slot(store.platform(), window, request.slot);
    r.unit = unit_info(store, window);
    const auto& slot = store.platform().slot(r.slot);
    const std::string where = fmt::format("{}: the {} device private key ({})", store.description(),
                                          slot_display_name(r.slot), private_range(slot));
    const std::string hint = fmt::format(
        "put the unit's key back with `photon-dct restore-device-key --pem KEY{}` or `photon-dct restore --from BACKUP "
        "--only device-key`, or give it a new one with `photon-dct new-device-key`",
        request.slot ? fmt::format(" --protocol {}", dct::slot_name(r.slot)) : "");
    dct::DeviceKeyInfo info;
    const auto key = dct::stored_device_private_key(slot, window, info);
    switch (info.state) {
    case dct::KeyState::Absent:
        throw Error(ErrorKind::DeviceDataInvalid, where + " is past the end of the image", hint);
    case dct::KeyState::Blank:
        throw Error(ErrorKind::DeviceDataInvalid,
                    where + " is blank (first byte 0xFF): there is no key to derive a public key from", hint);
    case dct::KeyState::Zero:
        throw Error(ErrorKind::DeviceDataInvalid,
                    where + " is all zero bytes: there is no key to derive a public key from", hint);
    case dct::KeyState::Garbage:
        throw Error(ErrorKind::DeviceDataInvalid,
                    fmt::format("{} is garbage: {}; no public key can be derived from it", where, info.problem), hint);
    case dct::KeyState::Valid:
        break;
    }
    r.algorithm = key->algorithm_name();
    r.public_pem = key->public_pem();
    r.fingerprint = keys::fingerprint(*key);
    if (request.output) {
        write_new_file(*request.output,
                       ByteView(reinterpret_cast<const std::uint8_t*>(r.public_pem.data()), r.public_pem.size()),
                       fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
        r.output = request.output;
    }
    return r;
}

} // namespace photon_dct::ops
