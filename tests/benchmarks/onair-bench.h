/* gst-plugins-onair: what every benchmark prints, in one shape
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __ONAIR_BENCH_H__
#define __ONAIR_BENCH_H__

#include <glib.h>
#include <sys/resource.h>
#include <sys/time.h>

/* CPU seconds (user + system) this process has used, all threads. */
static inline gdouble
onair_bench_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
      + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Peak resident memory of this process, in bytes. */
static inline gdouble
onair_bench_peak_rss (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss * 1024.0;
}

/* One line a measure, read by tests/benchmarks/run.sh:
 *   BENCH|benchmark|measure|unit|figure|anchor|anchor figure|ratio|bar
 * @anchor_figure <= 0 means there is no anchor for this measure (the ratio
 * column then says "-"). */
static inline void
onair_bench_report (const gchar *benchmark, const gchar *measure,
    const gchar *unit, gdouble figure, const gchar *anchor,
    gdouble anchor_figure, const gchar *bar)
{
  if (anchor_figure > 0)
    g_print ("BENCH|%s|%s|%s|%.6g|%s|%.6g|%.3f|%s\n", benchmark, measure, unit,
        figure, anchor, anchor_figure, figure / anchor_figure,
        bar != NULL ? bar : "");
  else
    g_print ("BENCH|%s|%s|%s|%.6g|%s|-|-|%s\n", benchmark, measure, unit,
        figure, anchor != NULL ? anchor : "-", bar != NULL ? bar : "");
}

#endif /* __ONAIR_BENCH_H__ */
