// Decoding a DCT image into plain structs, and the diagnosis: what the firmware will do with it.
// Pure functions of the bytes; no I/O, no printing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::dct {

// The Device OS ranges whose cloud-connection behaviour differs (docs/dct-format.md 3.5, 4.2): the
// fallbacks change at 0.7.0 and 1.1.0 (UDP port), `$id` expands to "<id>.v<major>" from 2.0.0.
enum class OsRange { UpTo06x, From070To10x, From110To15x, From2x, From3x };
std::string_view os_range_name(OsRange r); // "0.6.x and earlier", "0.7.0 to 1.0.x", "1.1.0 to 1.5.x", "2.x", "3.x"
// "0.6.3" -> UpTo06x; Error(InvalidInput) for text that is not a version, naming `source` (the
// caller's name for where the text came from: an option, a profile's file:line:column).
OsRange parse_os_version(std::string_view version, std::string_view source);

enum class KeyState { Absent, Blank, Zero, Valid, Garbage };
std::string_view key_state_name(KeyState s); // "absent", "blank", "zero", "valid", "garbage"

struct ServerKeyInfo {
    KeyState state = KeyState::Absent;
    std::string algorithm; // "RSA-2048", "EC P-256"
    std::size_t der_length = 0;
    std::string fingerprint; // SHA-256 of the DER, hex
    bool firmware_usable = false;
    std::string firmware_problem; // why the firmware cannot use it, when it cannot
    bool particle_production = false;
};

struct ConnectionTarget {
    OsRange os_range = OsRange::From3x;
    bool connects = false; // false: the firmware will not attempt a cloud connection
    std::string host;      // after fallbacks and $id expansion
    std::uint16_t port = 0;
    bool particle_cloud = false;
    std::string reason; // how the firmware got there, one sentence
};

enum class PublicKeyState { Absent, Blank, Matches, Mismatch, Garbage, NoPrivateKey };
std::string_view public_key_state_name(PublicKeyState s);

struct DeviceKeyInfo {
    KeyState state = KeyState::Absent;
    std::string algorithm;
    std::size_t der_length = 0;
    bool firmware_parser_ok = false; // Device OS's fixed-position RSA parser (TCP) can read it
    std::string problem;             // why not, or what the garbage looks like
    std::string public_fingerprint;  // SHA-256 of the derived public key's SPKI DER
    PublicKeyState public_key = PublicKeyState::Absent;
    std::string public_key_alignment; // UDP: "left" or "right" (firmware 0.8.0+ right-aligns)
};

struct SlotInfo {
    Slot slot = Slot::Tcp;
    bool used = false; // the firmware reads this slot (TCP on Photon/P1; per cloud_transport on Electron)
    bool address_present = false;
    ServerKeyInfo server_key;
    DecodedAddress address;
    std::vector<ConnectionTarget> targets; // one per Device OS range (or just the one asked for)
    DeviceKeyInfo device_key;
};

struct OtherFields {
    std::optional<std::string> device_id;  // 24 lower-case hex; nullopt when blank/absent
    std::optional<std::string> claim_code; // nullopt when blank (0xFF) or cleared
    bool claimed = false;
    std::optional<std::uint16_t> product_id; // nullopt when 0xFFFF / absent
    std::optional<std::uint16_t> product_version;
    std::optional<std::uint8_t> cloud_transport_byte;
    std::optional<std::uint8_t> ota_update_flag;
    std::optional<std::uint8_t> antenna_selection;
    std::optional<std::string> ssid_prefix;
    std::optional<std::string> device_code;
};

enum class Severity { Error, Warning, Info };
std::string_view severity_name(Severity s);

// One argument of a command, as data: the front end spells it (the CLI as "--option value").
struct CommandArgument {
    std::string option;       // "pem", "host", "only" …; empty for a positional argument
    std::string value;        // a literal, or the name of a placeholder
    bool placeholder = false; // the user fills it in (kServerKeyPlaceholder, …)
};

// Placeholders a fix names for what only the user knows.
inline constexpr std::string_view kServerKeyPlaceholder = "SERVER_KEY.pem"; // the server's public key file
inline constexpr std::string_view kServerHostPlaceholder = "YOUR_SERVER";   // its DNS name or IPv4 address
inline constexpr std::string_view kBackupPlaceholder = "BACKUP.dct";        // a backup of this very unit

// The command that fixes a finding: a command name, its arguments, then the arguments that select
// the same target (DecodeOptions::fix_target).
struct Fix {
    std::string command; // "restore-server", "restore", "new-device-key", "protocol"
    std::vector<CommandArgument> arguments;
};

struct Finding {
    Severity severity;
    std::string code;        // stable identifier, e.g. "server-address-blank"
    std::string message;     // what is wrong, for a technician
    std::string consequence; // what the device will do because of it
    std::optional<Fix> fix;  // nullopt when there is nothing to run
};

struct DecodeOptions {
    std::optional<OsRange> os_range;         // only this range's connection targets; all when nullopt
    std::vector<CommandArgument> fix_target; // appended to every fix: what selects the same target
    // The device ID the unit reports as its USB serial (its MCU's ID, docs/dct-format.md 7.1), for
    // a DCT read from a unit; nullopt for an image file or a unit whose serial holds none.
    std::optional<std::string> usb_device_id;
};

struct DctReport {
    const Platform* platform = nullptr;
    std::size_t image_size = 0;
    bool all_zero = false;   // the bootloader could not read the DCT (docs/dct-format.md 7.5)
    bool all_erased = false; // every byte 0xFF
    Slot active_slot = Slot::Tcp;
    SlotInfo tcp;
    std::optional<SlotInfo> udp; // Electron only
    OtherFields fields;
    std::vector<Finding> findings;

    bool has_errors() const;
};

// Accepts 4258..16384 bytes (a 0.6.x application DCT up to the whole DFU window); fields past
// the end are reported absent. Error(InvalidInput) for any other length.
DctReport decode_dct(const Platform& platform, ByteView image, const DecodeOptions& options = {});

// The slot's device private key as the firmware reads it: fills `info`'s state, problem and
// der_length, and returns the key when the state is Valid (whether or not the firmware's parser
// can use it: decode_dct reports that).
std::optional<keys::Key> stored_device_private_key(const SlotLayout& slot, ByteView image, DeviceKeyInfo& info);

// The device_id field (3618, 12 bytes) as 24 lower-case hex digits; nullopt when the image is too
// short or the field is blank (first byte 0xFF: the firmware fills it at boot) or all zero.
std::optional<std::string> stored_device_id(const Platform& platform, ByteView image);

// The slot the firmware uses: TCP on Photon/P1; on an Electron cloud_transport 0xFF (also when
// the image is too short to hold it: the erased default) selects UDP, anything else TCP.
Slot active_slot(const Platform& platform, ByteView image);

// The raw bytes of one field (or nullopt if the image is too short to hold it).
std::optional<ByteView> field_bytes(const Platform& platform, ByteView image, std::string_view field_name);

} // namespace photon_dct::dct
