/* gst-plugins-onair: the ICY server of the icecastsrc benchmark
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __ONAIR_BENCH_ICY_SERVER_H__
#define __ONAIR_BENCH_ICY_SERVER_H__

/* argv: MP3FILE fast BYTES, or MP3FILE paced.  Never returns unless the
 * arguments are wrong or the port cannot be opened. */
int onair_bench_icy_serve (int argc, char **argv);

#endif /* __ONAIR_BENCH_ICY_SERVER_H__ */
