// Renderers for decoded DCT data, shared by the subcommands that show a DCT (text and JSON).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/write.hpp"

namespace photon_dct::cli {

// One rule for absent values in JSON (man page, JSON OUTPUT): null, never "".
nlohmann::json text_or_null(std::string_view text);
nlohmann::json optional_json(const std::optional<std::string>& value);
// The "unit" object of every result about a unit or an image: device_id, platform, mode ("dfu",
// "normal"; null for an image), usb_path and serial (null for an image).
nlohmann::json unit_json(const ops::UnitInfo& unit);

nlohmann::json slot_json(const dct::SlotInfo& slot);
nlohmann::json report_json(const dct::DctReport& report);
// The fix as a command line the shell parses back: "photon-dct COMMAND --option value …", literal
// values quoted when needed, placeholders as their names.
std::string command_line(const dct::Fix& fix);
nlohmann::json write_json(const ops::WriteOutcome& write);
// A device key slot; never any private key material, only states, sizes and fingerprints.
nlohmann::json device_key_json(const dct::DeviceKeyInfo& key);
std::string device_key_text(const dct::DeviceKeyInfo& key);
nlohmann::json device_key_result_json(const ops::DeviceKeyResult& result);
std::string device_key_result_text(const ops::DeviceKeyResult& result);

std::string server_key_text(const dct::ServerKeyInfo& key);
std::string address_text(const dct::SlotInfo& slot);
std::string slot_text(const dct::SlotInfo& slot, bool udp_slot_platform);
std::string findings_text(const dct::DctReport& report);
// What happened to a write, in one or two lines.
std::string write_text(const ops::WriteOutcome& write, std::string_view what);
// Classic 16-bytes-a-line hex dump, offsets relative to `base`.
std::string hex_dump(ByteView bytes, std::uint32_t base);

} // namespace photon_dct::cli
