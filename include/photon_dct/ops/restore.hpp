// restore --from BACKUP: chosen regions of a backup image back into a unit or image, in one
// write through write_regions (backup of the current DCT first, read-back verify, never past
// 8391), refusing a backup of another unit unless forced.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/ops/write.hpp"

namespace photon_dct::ops {

enum class RestoreScope { Server, DeviceKey, All };
std::string_view restore_scope_name(RestoreScope s); // "server", "device-key", "all"
// "server" / "device-key" / "all"; Error(Usage) otherwise.
RestoreScope parse_restore_scope(std::string_view text);

// Where the unit's device ID came from: its USB serial (a unit that reports one) or else the
// device_id field of its DCT (an image file, a bootloader before 0.6.0).
enum class DeviceIdSource { UsbSerial, Dct };
std::string_view device_id_source_name(DeviceIdSource s); // "usb_serial" / "dct"

struct RestoreRequest {
    std::filesystem::path from;
    RestoreScope scope = RestoreScope::All;
    // Restore a backup whose device_id differs from the unit's ID (its USB serial when it reports
    // one, else its DCT's device_id), or that cannot be compared.
    bool force = false;
    WriteOptions write;
};

// Reads the backup (4258..16384 bytes, else Error(InvalidInput)).
Bytes read_restore_backup(const RestoreRequest& request);

// What a restored region holds (describe_changes pieces are Field).
enum class RangeKind { Field, ServerBlock, DevicePrivateKey, DevicePublicKey, ApplicationDct };

// A named DCT range: a region that is restored, or one piece of a change.
struct NamedRange {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::string field; // from the platform table
    RangeKind kind = RangeKind::Field;
    std::uint32_t differing = 0; // describe_changes: bytes in the range that actually change
};

// The regions a scope covers on `platform`, clipped to `available` bytes (and never past 8391):
//   server:     the TCP server block (2082, 512); the Electron also the UDP one (3298, 320)
//   device-key: TCP private (34, 612) + public (1250, 384) key fields; Electron also UDP (3106, 192) + (2978, 128)
//   all:        0..8390
std::vector<NamedRange> restore_regions(const dct::Platform& platform, RestoreScope scope, std::size_t available);

// Changed byte ranges split at field boundaries of the platform table (the smallest field that
// holds each byte names it, e.g. server_address inside server_public_key); pieces of one field
// less than 16 bytes apart are merged (a key rewrite keeps some bytes by chance).
std::vector<NamedRange> describe_changes(const dct::Platform& platform, const std::vector<ChangedRange>& changes);

struct RestoreResult {
    std::string source;
    UnitInfo unit; // who the result is about
    const dct::Platform* platform = nullptr;
    std::filesystem::path from;
    std::string backup_sha256;
    RestoreScope scope = RestoreScope::All;
    std::vector<NamedRange> regions;                                // what is restored
    std::vector<NamedRange> changes;                                // what differs and will change (or changed)
    std::optional<std::string> backup_device_id;                    // compared with unit.device_id
    DeviceIdSource unit_device_id_from = DeviceIdSource::UsbSerial; // where unit.device_id came from
    bool forced = false;                                            // --force overrode a device_id mismatch
    std::vector<std::string> warnings;
    WriteOutcome write;
};

// Reads and checks the backup (and, once the platform is known, what it holds in the regions
// --only names) before the unit is read; then matches the backup's device ID with the unit's (its
// USB serial, else its DCT's device_id) and writes in one write.
RestoreResult restore(Target& target, const RestoreRequest& request);

} // namespace photon_dct::ops
