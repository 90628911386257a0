// libFuzzer target: arbitrary bytes as a DCT image (and as address blocks).
//  * the input as is, decoded for every platform (lengths outside 4258..16384 must be refused
//    with photon_dct::Error, nothing else);
//  * a 16384-byte erased image with the input patched in at an offset taken from its first two
//    bytes, so that short inputs reach the structured fields;
//  * decode_address on every 128-byte window of the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/error.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;

namespace {

volatile std::size_t g_sink;

void consume(const DctReport& r) {
    std::size_t n = r.image_size;
    for (const SlotInfo* s : {&r.tcp, r.udp ? &*r.udp : nullptr}) {
        if (!s) continue;
        n += s->address.host.size() + s->server_key.fingerprint.size() + s->server_key.algorithm.size() +
             s->device_key.problem.size() + s->device_key.public_fingerprint.size();
        for (const auto& t : s->targets) n += t.host.size() + t.reason.size() + t.port;
    }
    for (const auto& f : r.findings)
        n += f.code.size() + f.message.size() + f.consequence.size() + (f.fix ? f.fix->command.size() : 0);
    if (r.fields.device_id) n += r.fields.device_id->size();
    if (r.fields.claim_code) n += r.fields.claim_code->size();
    // Invariants that hold for every image.
    if (r.udp.has_value() != r.platform->has_udp_slot) __builtin_trap();
    if (r.all_zero && (r.findings.size() != 1 || r.findings[0].code != "dct-unreadable")) __builtin_trap();
    if (r.all_erased && (r.findings.size() != 1 || r.findings[0].code != "dct-erased")) __builtin_trap();
    g_sink = n;
}

// must_accept: the image has a valid length, so decode_dct must not throw. The patched images are
// decoded for one Device OS range with fix arguments, the raw input for all three ranges.
void decode_all_platforms(ByteView image, bool must_accept, OsRange range = OsRange::UpTo06x) {
    for (const Platform& p : all_platforms()) {
        DecodeOptions o;
        if (must_accept) {
            o.os_range = range;
            o.fix_target = {{"file", "unit.dct"}};
        }
        try {
            consume(decode_dct(p, image, o));
            if (image.size() < kAppDctSizeV060 || image.size() > kDfuWindowSize) __builtin_trap();
        } catch (const Error& e) {
            if (must_accept || e.kind() != ErrorKind::InvalidInput) __builtin_trap();
        }
        for (const auto& f : p.fields) {
            const auto b = field_bytes(p, image, f.name);
            if (b) g_sink = b->size() + (b->empty() ? 0 : (*b)[0]);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView input(data, size);
    decode_all_platforms(input, false);

    if (size >= 2) {
        Bytes image(kDfuWindowSize, 0xFF);
        const std::size_t offset = (std::size_t{data[0]} << 8 | data[1]) % kDfuWindowSize;
        for (std::size_t i = 2; i < size && offset + i - 2 < image.size(); ++i) image[offset + i - 2] = data[i];
        // The parity of the offset picks the Device OS range (it changes nothing else).
        decode_all_platforms(image, true, static_cast<OsRange>((data[0] ^ data[1]) % 3));
    }

    for (std::size_t i = 0; i + 128 <= size; ++i) {
        const DecodedAddress a = decode_address(input.subspan(i, 128));
        if (a.type == AddressType::Domain && a.host.size() != a.length_byte) __builtin_trap();
        if (a.type == AddressType::Domain && a.length_byte > 126) __builtin_trap();
        g_sink = a.host.size() + a.strict_rule_broken.size() + a.raw_port;
    }
    if (size < 128) g_sink = decode_address(input).host.size();
    return 0;
}
