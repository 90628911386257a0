// Which key slot (TCP or UDP, docs/dct-format.md 2) a command works on, and the slot rules that
// need no DCT bytes, so a use-case can refuse before the unit is read.
#pragma once

#include <optional>
#include <string>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::ops {

// A value the user gave and where it came from ("--host", or a profile's file:line:column), so a
// message about it names the place to fix it.
struct UserValue {
    std::string text;
    std::string source;
};

// Error(Refused) when `slot` is UDP and `platform` is TCP only (its firmware never reads the UDP slot).
void require_slot_on_platform(const dct::Platform& platform, dct::Slot slot);

// The slot fixed before the DCT is read: the one asked for (checked with require_slot_on_platform),
// TCP on a TCP-only platform; nullopt on an Electron, where cloud_transport chooses.
std::optional<dct::Slot> slot_before_read(const dct::Platform& platform, std::optional<dct::Slot> asked);

// The slot asked for (checked), or the one the unit uses now (Electron: cloud_transport).
dct::Slot choose_slot(const dct::Platform& platform, const Bytes& window, std::optional<dct::Slot> asked);

// The slot a key belongs in by its type: RSA -> TCP, EC -> UDP; nullopt for anything else.
std::optional<dct::Slot> slot_for_key(const keys::Key& key);

// "TCP" / "UDP", for messages.
std::string slot_display_name(dct::Slot slot);

} // namespace photon_dct::ops
