// libFuzzer target: the input as a key file and as DCT key-slot bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "photon_dct/dct/device_key.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"

using namespace photon_dct;

namespace {

volatile std::size_t g_sink;

void touch_unchecked(const keys::Key& k) {
    std::size_t n = k.algorithm_name().size() + static_cast<std::size_t>(k.bits()) + k.curve().size();
    n += k.spki_der().size() + keys::fingerprint(k).size() + k.public_pem().size();
    if (k.is_private()) {
        if (k.type() == keys::KeyType::Rsa) {
            const Bytes der = k.pkcs1_private_der();
            const auto p = keys::firmware_rsa_layout_problem(der);
            n += der.size() + (p ? p->size() : 0);
            if (!keys::parse_rsa_private_pkcs1_der(der)) __builtin_trap(); // our own PKCS#1 must parse back
        } else if (k.type() == keys::KeyType::Ec && k.curve() == "prime256v1") {
            const Bytes der = k.sec1_private_der();
            n += der.size();
            if (!keys::parse_ec_private_sec1_der(der)) __builtin_trap();
        }
    }
    g_sink = n;
}

// A key the library handed out must be usable by the library: only Error(InvalidInput) may escape
// (e.g. an unsupported algorithm); Error(Internal) is a bug.
void touch(const keys::Key& k) {
    try {
        touch_unchecked(k);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Internal) __builtin_trap();
    }
}

void try_parsers(ByteView der) {
    if (auto k = keys::parse_spki_der(der)) {
        touch(*k);
        if (k->is_private()) __builtin_trap();
    }
    if (auto k = keys::parse_rsa_private_pkcs1_der(der)) {
        touch(*k);
        if (k->type() != keys::KeyType::Rsa || !k->is_private()) __builtin_trap();
    }
    if (auto k = keys::parse_ec_private_sec1_der(der)) {
        touch(*k);
        if (k->type() != keys::KeyType::Ec || !k->is_private()) __builtin_trap();
    }
    const auto p = keys::firmware_rsa_layout_problem(der);
    g_sink = p ? p->size() : 0;
    g_sink = dct::looks_like_pkcs8(der);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView input(data, size);
    try {
        touch(keys::load_key(input, "fuzz input"));
    } catch (const Error&) {}
    try_parsers(input);
    if (const auto len = keys::der_sequence_length(input)) {
        if (*len > size || *len < 2) __builtin_trap();
        if (*len < size) try_parsers(input.first(*len)); // the DCT slot case: DER then padding
    }
    return 0;
}
