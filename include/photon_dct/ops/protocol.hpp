// protocol [tcp|udp]: the Electron's cloud_transport byte (DCT 2977; 0xFF = UDP, anything else =
// TCP; written as 0xFF / 0x00). Photon and P1 are TCP only: refused there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/ops/store.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/ops/write.hpp"

namespace photon_dct::ops {

// Error(Refused) unless `platform` has a UDP slot (Electron).
void check_protocol_platform(const dct::Platform& platform);

struct ProtocolRequest {
    std::optional<dct::Slot> set; // nullopt: show it
    WriteOptions write;           // dry_run and leave only apply when setting
};

struct ProtocolResult {
    std::string source;
    UnitInfo unit; // who the result is about
    const dct::Platform* platform = nullptr;
    std::uint8_t byte_before = 0xFF;
    dct::Slot before = dct::Slot::Udp;
    std::optional<WriteOutcome> write; // set when a protocol was written
    std::uint8_t byte_after = 0xFF;
    dct::Slot after = dct::Slot::Udp;
};

// Shows cloud_transport, or sets it through write_regions.
ProtocolResult protocol(Target& target, const ProtocolRequest& request);

} // namespace photon_dct::ops
