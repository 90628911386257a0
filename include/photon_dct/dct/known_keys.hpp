// Particle's production cloud server keys (third_party/particle/), to recognise them in a DCT.
#pragma once

#include "photon_dct/keys/key.hpp"

namespace photon_dct::dct {

const keys::Key& particle_tcp_server_key();
const keys::Key& particle_udp_server_key();
// Loads both keys and their fingerprints. It is the first use of OpenSSL in most commands (its
// provider, the RSA and EC key managers, SHA-256: 0.5-0.8 ms), so ops run it on a second thread
// while a unit is read over USB. Thread-safe; throws what loading throws.
void load_known_keys();

} // namespace photon_dct::dct
