/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-audio-codec.h"

/* Registration descriptors (ISO/IEC 13818-1 2.6.8) of private PES streams */
#define REGISTRATION_OPUS 0x4f707573    /* "Opus" */
#define REGISTRATION_AC3 0x41432d33     /* "AC-3" */
#define REGISTRATION_EAC3 0x45414333    /* "EAC3" */

/* A private PES stream (0x06) says what it is with a descriptor. */
static WhepAudioCodec
audio_codec_of_private_stream (const GstMpegtsPMTStream * stream)
{
  guint i;

  for (i = 0; i < stream->descriptors->len; i++) {
    GstMpegtsDescriptor *desc = g_ptr_array_index (stream->descriptors, i);
    guint32 id;

    switch (desc->tag) {
      case GST_MTS_DESC_DVB_AC3:
        return WHEP_AUDIO_CODEC_AC3;
      case GST_MTS_DESC_DVB_ENHANCED_AC3:
        return WHEP_AUDIO_CODEC_EAC3;
      case GST_MTS_DESC_REGISTRATION:
        if (!gst_mpegts_descriptor_parse_registration (desc, &id, NULL, NULL))
          break;
        if (id == REGISTRATION_OPUS)
          return WHEP_AUDIO_CODEC_OPUS;
        if (id == REGISTRATION_AC3)
          return WHEP_AUDIO_CODEC_AC3;
        if (id == REGISTRATION_EAC3)
          return WHEP_AUDIO_CODEC_EAC3;
        break;
      default:
        break;
    }
  }
  return WHEP_AUDIO_CODEC_NONE;
}

WhepAudioCodec
whep_audio_codec_from_pmt (const GstMpegtsPMTStream * stream)
{
  switch (stream->stream_type) {
    case GST_MPEGTS_STREAM_TYPE_PRIVATE_PES_PACKETS:
      return audio_codec_of_private_stream (stream);
    case GST_MPEGTS_STREAM_TYPE_AUDIO_AAC_ADTS:
      return WHEP_AUDIO_CODEC_AAC;
    case GST_MPEGTS_STREAM_TYPE_AUDIO_AAC_LATM:
      return WHEP_AUDIO_CODEC_AAC_LATM;
    case GST_MPEGTS_STREAM_TYPE_AUDIO_MPEG1:
    case GST_MPEGTS_STREAM_TYPE_AUDIO_MPEG2:
      return WHEP_AUDIO_CODEC_MPEG;
    case GST_MPEGTS_STREAM_TYPE_ATSC_AUDIO_AC3:
      return WHEP_AUDIO_CODEC_AC3;
    case GST_MPEGTS_STREAM_TYPE_ATSC_AUDIO_EAC3:
      return WHEP_AUDIO_CODEC_EAC3;
    default:
      return WHEP_AUDIO_CODEC_NONE;
  }
}

WhepAudioCodec
whep_audio_codec_from_caps (const GstCaps * caps)
{
  const GstStructure *s;
  const gchar *format;
  gint version = 0;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return WHEP_AUDIO_CODEC_NONE;
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (s, "audio/x-opus"))
    return WHEP_AUDIO_CODEC_OPUS;
  if (gst_structure_has_name (s, "audio/x-ac3"))
    return WHEP_AUDIO_CODEC_AC3;
  if (gst_structure_has_name (s, "audio/x-eac3"))
    return WHEP_AUDIO_CODEC_EAC3;
  if (!gst_structure_has_name (s, "audio/mpeg") ||
      !gst_structure_get_int (s, "mpegversion", &version))
    return WHEP_AUDIO_CODEC_NONE;
  if (version == 1)
    return WHEP_AUDIO_CODEC_MPEG;
  format = gst_structure_get_string (s, "stream-format");
  if (g_strcmp0 (format, "loas") == 0)
    return WHEP_AUDIO_CODEC_AAC_LATM;
  return WHEP_AUDIO_CODEC_AAC;
}

gboolean
whep_audio_codec_needs_transcode (WhepAudioCodec codec)
{
  return codec > WHEP_AUDIO_CODEC_OPUS && codec < WHEP_AUDIO_CODEC_LAST;
}
