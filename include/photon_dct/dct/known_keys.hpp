// Particle's production cloud server keys (third_party/particle/), to recognise them in a DCT.
#pragma once

#include "photon_dct/keys/key.hpp"

namespace photon_dct::dct {

const keys::Key& particle_tcp_server_key();
const keys::Key& particle_udp_server_key();

} // namespace photon_dct::dct
