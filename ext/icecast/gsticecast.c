/* gst-plugins-onair: the icecast plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gi18n-lib.h>
#include <gst/gst.h>

#include "gsticecastsink.h"
#include "gsticecastsrc.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

#ifdef ENABLE_NLS
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
  ret |= GST_ELEMENT_REGISTER (icecastsink, plugin);
  ret |= GST_ELEMENT_REGISTER (icecastsrc, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, icecast,
    "Icecast source client and listener", plugin_init, VERSION, GST_LICENSE,
    GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
