/* gst-plugins-onair: a private PulseAudio daemon with a null sink, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __ONAIR_PULSE_SERVICE_H__
#define __ONAIR_PULSE_SERVICE_H__

#include "onair-check.h"

G_BEGIN_DECLS

typedef struct _OnairPulse OnairPulse;

/* Starts a private `pulseaudio` (no D-Bus, works as root) with its runtime
 * and state in a scratch directory, a module-null-sink and the native
 * protocol on a private unix socket, and waits until it accepts clients.
 * Sets PULSE_SERVER in this process, so pulsesink/pulsesrc use it without
 * further configuration.  Fails the test (never skips) when pulseaudio is
 * missing or does not come up within 15 s. */
OnairPulse *onair_pulse_start (void);
void onair_pulse_free (OnairPulse *pulse);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnairPulse, onair_pulse_free);

/* "unix:/path/to/native" */
const gchar *onair_pulse_server (const OnairPulse *pulse);
/* The null sink: play into it with pulsesink device=NAME. */
const gchar *onair_pulse_sink (const OnairPulse *pulse);
/* Its monitor source: record with pulsesrc device=NAME. */
const gchar *onair_pulse_monitor (const OnairPulse *pulse);
gchar *onair_pulse_read_log (const OnairPulse *pulse);

G_END_DECLS

#endif /* __ONAIR_PULSE_SERVICE_H__ */
