// The device's own key pair: restore-device-key, new-device-key and export-public-key
// (docs/dct-format.md 5). Every write goes through write_regions (write.hpp) as ONE write covering the
// slot's private and public key fields. Private key material never leaves these functions except
// into the DCT and into the 0600 key file new-device-key saves: no result struct holds it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/slot.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/ops/write.hpp"

namespace photon_dct::ops {

// The regions write_regions gets for a device key: the slot's private key field (DER then 0xFF)
// and its public key field (as the firmware stores it). Validates the key (encode_device_key_slots:
// Error(InvalidInput) naming the rule).
std::vector<Region> device_key_regions(const dct::SlotLayout& slot, const keys::Key& private_key);

// Saves a new device key as `private_path` (mode 0600) and `public_path` (0644), refusing
// (Error(FileIo)) when either exists: a key file may be the only copy of a key. Callers save the
// files BEFORE the DCT is written, so a unit never holds a key that is on no disk. When the public
// file cannot be written, the private one just written is removed again and the error says so.
void save_device_key_files(const std::filesystem::path& private_path, const std::filesystem::path& public_path,
                           const keys::Key& key);

struct DeviceKeyResult {
    std::string source;
    UnitInfo unit; // who the result is about
    const dct::Platform* platform = nullptr;
    dct::Slot slot = dct::Slot::Tcp;
    std::string algorithm;
    std::string public_fingerprint;
    std::string public_pem; // the public half (safe to show)
    dct::DeviceKeyInfo before;
    dct::DeviceKeyInfo after;
    WriteOutcome write;
};

// ---- restore-device-key -----------------------------------------------------------------

struct RestoreDeviceKeyRequest {
    std::filesystem::path key_path;
    std::optional<dct::Slot> slot; // default: the slot the unit uses
    WriteOptions write;
};

// What was checked before the target is opened. Holds the key (the caller must not print it).
struct DeviceKeyInput {
    keys::Key key;
    dct::Slot key_slot;             // the slot the key type fits
    std::string algorithm;          // "RSA-1024", "EC P-256"
    std::string public_fingerprint; // SHA-256 of the public key's SPKI DER
};

// Loads and validates the key file: private, RSA-1024/e=65537/firmware layout or EC P-256, and
// fitting the slot asked for; with a platform also the slot rules that need no DCT bytes (UDP
// refused on Photon/P1, where only an RSA key fits).
DeviceKeyInput check_device_key_input(const RestoreDeviceKeyRequest& request, const dct::Platform* platform);

DeviceKeyResult restore_device_key(Target& target, const RestoreDeviceKeyRequest& request);

// ---- new-device-key ---------------------------------------------------------------------

struct NewDeviceKeyRequest {
    std::optional<dct::Slot> slot;
    std::filesystem::path out_dir = ".";
    WriteOptions write;
};

// The out dir exists and is a directory; with a platform, the slot asked for exists on it.
void check_new_device_key_input(const NewDeviceKeyRequest& request, const dct::Platform* platform);

struct NewDeviceKeyResult {
    DeviceKeyResult key; // as restore-device-key
    std::string device_id;
    std::filesystem::path private_key_path; // <device id>.pem, mode 0600
    std::filesystem::path public_key_path;  // <device id>.pub.pem
    bool files_saved = false;               // false on --dry-run
};

// Generates a key the firmware reads (TCP: generate_device_rsa_key, UDP: P-256), saves both key
// files (never overwriting) BEFORE the DCT is written, then writes the slot like restore-device-key.
NewDeviceKeyResult new_device_key(Target& target, const NewDeviceKeyRequest& request);

// ---- export-public-key ------------------------------------------------------------------

struct ExportPublicKeyRequest {
    std::optional<dct::Slot> slot;               // default: the slot the unit uses
    std::optional<std::filesystem::path> output; // save the PEM here (never overwritten), mode 0644
};

struct ExportPublicKeyResult {
    std::string source;
    UnitInfo unit; // who the result is about
    const dct::Platform* platform = nullptr;
    dct::Slot slot = dct::Slot::Tcp;
    std::string algorithm;
    std::string public_pem;
    std::string fingerprint;
    std::optional<std::filesystem::path> output; // where the PEM was saved
};

// The public key derived from the private key in the slot. Error(DeviceDataInvalid) when the
// slot is blank or holds no parseable key.
ExportPublicKeyResult export_public_key(Target& target, const ExportPublicKeyRequest& request);

} // namespace photon_dct::ops
