// Writes the small seed corpora for the fuzz targets into DIR/{decode_dct,host_port,keys}.
// Built and run at test time (ctest fixture fuzz_seeds) so that no binary seeds live in git.
// Images follow docs/dct-format.md (sections 2, 3, 5, 9).
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "photon_dct/dct/device_key.hpp"
#include "photon_dct/dct/known_keys.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const Bytes& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}
void write(const fs::path& file, std::string_view text) { write(file, Bytes(text.begin(), text.end())); }

void put(Bytes& image, std::size_t offset, const Bytes& bytes) {
    std::copy(bytes.begin(), bytes.end(), image.begin() + static_cast<std::ptrdiff_t>(offset));
}

Bytes with_offset(std::uint16_t offset, const Bytes& bytes) {
    Bytes out{static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset & 0xFF)};
    out.insert(out.end(), bytes.begin(), bytes.end());
    return out;
}

} // namespace

int main(int argc, char** argv) try {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    for (const char* d : {"decode_dct", "host_port", "keys"}) fs::create_directories(root / d);

    const keys::Key server_rsa = keys::generate_rsa(2048);
    const keys::Key server_ec = keys::generate_ec_p256();
    const keys::Key device_rsa = keys::generate_device_rsa_key();
    const keys::Key device_ec = keys::generate_ec_p256();
    const Platform& electron = platform(PlatformId::Electron);

    // ---- decode_dct -----------------------------------------------------------------------
    const Bytes device_id{0x3b, 0x00, 0x21, 0x00, 0x17, 0x47, 0x35, 0x32, 0x36, 0x34, 0x30, 0x33};
    const Bytes tcp_block =
        encode_server_block(electron.tcp, {Slot::Tcp, server_key_der_for_slot(Slot::Tcp, server_rsa),
                                           parse_host("cloud.example.com", "--host"), std::uint16_t{5683}});
    const Bytes udp_block =
        encode_server_block(electron.udp, {Slot::Udp, server_key_der_for_slot(Slot::Udp, server_ec),
                                           parse_host("10.0.0.5", "--host"), std::uint16_t{5684}});
    const auto tcp_keys = encode_device_key_slots(electron.tcp, device_rsa);
    const auto udp_keys = encode_device_key_slots(electron.udp, device_ec);

    Bytes full(kDfuWindowSize, 0xFF);
    put(full, 2082, tcp_block);
    put(full, 3298, udp_block);
    put(full, 34, tcp_keys.private_slot);
    put(full, 1250, tcp_keys.public_slot);
    put(full, 3106, udp_keys.private_slot);
    put(full, 2978, udp_keys.public_slot);
    put(full, 3618, device_id);
    write(root / "decode_dct" / "full-16384.dct", full);

    Bytes v060(full.begin(), full.begin() + kAppDctSizeV060);
    v060[2977] = kCloudTransportTcp;
    write(root / "decode_dct" / "v060-4258.dct", v060);

    // The field failure: custom key, address block erased.
    Bytes blank_addr(kAppDctSizeV060, 0xFF);
    put(blank_addr, 2082, Bytes(tcp_block.begin(), tcp_block.begin() + 384));
    put(blank_addr, 3618, device_id);
    write(root / "decode_dct" / "blank-address-4258.dct", blank_addr);

    // Short patch seeds: 2-byte big-endian offset then bytes (see fuzz_decode_dct.cpp).
    const Bytes fw_ipv4 = {0x00, 0x00, 0x0a, 0x00, 0x00, 0x05}; // §9.3, length byte 0
    write(root / "decode_dct" / "patch-ipv4-len0", with_offset(2466, fw_ipv4));
    Bytes fw_domain = {0x01, 0x13};
    for (char c : std::string_view("$id.udp.particle.io")) fw_domain.push_back(static_cast<std::uint8_t>(c));
    fw_domain.push_back(0x00);
    write(root / "decode_dct" / "patch-udp-default", with_offset(3490, fw_domain));
    write(root / "decode_dct" / "patch-particle-tcp-key", with_offset(2082, particle_tcp_server_key().spki_der()));
    write(root / "decode_dct" / "patch-device-key", with_offset(34, device_rsa.pkcs1_private_der()));
    write(root / "decode_dct" / "patch-transport", with_offset(2977, Bytes{0x00}));
    write(root / "decode_dct" / "address-block", Bytes(tcp_block.begin() + 384, tcp_block.end()));

    // ---- host_port ------------------------------------------------------------------------
    int i = 0;
    for (const char* t : {"cloud.example.com", "10.0.0.5", "5683", "65534", "xn--bcher-kva.example", "a",
                          "[2001:db8::1]", "host:5683", "01.2.3.4", "a-b.c-d.example", "255.255.255.254"})
        write(root / "host_port" / ("seed-" + std::to_string(i++)), std::string_view(t));

    // ---- keys -----------------------------------------------------------------------------
    write(root / "keys" / "rsa1024.pem", device_rsa.private_pem());
    write(root / "keys" / "rsa1024.pub.pem", device_rsa.public_pem());
    write(root / "keys" / "ec.pem", device_ec.private_pem());
    write(root / "keys" / "ec.pub.pem", device_ec.public_pem());
    write(root / "keys" / "rsa2048.pub.pem", server_rsa.public_pem());
    write(root / "keys" / "rsa1024.der", device_rsa.pkcs1_private_der());
    write(root / "keys" / "rsa1024-slot.der", tcp_keys.private_slot);
    write(root / "keys" / "ec-slot.der", udp_keys.private_slot);
    write(root / "keys" / "ec.sec1.der", device_ec.sec1_private_der());
    write(root / "keys" / "rsa2048.spki.der", server_rsa.spki_der());
    write(root / "keys" / "ec.spki.der", server_ec.spki_der());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_make_seeds: %s\n", e.what());
    return 1;
}
