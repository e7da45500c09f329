// One-time libfido2 set-up for the calling thread.
#pragma once

namespace acctsec::fido {

// Calls fido_init with U2F fallback disabled (a failed getInfo must surface as an error, not as a
// silent downgrade to CTAP1) and routes libfido2's debug log into acctsec's log sink when one is
// connected. libfido2 keeps these settings per thread, so every thread that touches a device
// calls this first; repeated calls are cheap.
void library_init();

}  // namespace acctsec::fido
