/* SPDX-License-Identifier: MIT */
/*
 * logmsg.h - a Log.emit record's message, formatted from its template.
 *
 *	log_msg_format(tmpl, ev, buf, size);
 *
 * fwlc lowers `Log.emit(level, "text" ++ show ip.src ++ ...)` to a message
 * template (manifest.json "log_messages", by the record's prefix_id):
 * literal text with "{{" and "}}" for braces, and placeholders for the
 * values the record (maps/events.h) carries: {src} {dst} (addresses, as
 * inet_ntop writes them), {sport} {dport} (":N", as FWL's `show` writes a
 * port), {proto} ("tcp", "udp", "icmp", "icmpv6", else "proto"), {flags}
 * (the TCP flags set: "{Syn, Ack}", bit order), {itype} (the ICMP/ICMPv6
 * type's name, "EchoRequest", or its number), {icode} (a number), and
 * from records of layout version 2 {ttl} {tos} {dscp} {vlan0} {vlan1}
 * (numbers; the VLAN id of the outer and inner tag).  The result is the interpreter's message for the same packet.
 * fwld's log sink (events.c) and fwlc's BPF scenario backend use it.
 */
#ifndef FWL_LOADER_LOGMSG_H
#define FWL_LOADER_LOGMSG_H

#include <stddef.h>

struct fwl_event;

/* Writes the message (truncated to size - 1 bytes) and returns buf.  An
 * unknown placeholder is copied as it is. */
char *log_msg_format(const char *tmpl, const struct fwl_event *ev, char *buf,
		     size_t size);

/* The template's constant start, up to its first placeholder ("{{" and
 * "}}" read as braces): the `prefix` older readers know.  Returns buf. */
char *log_msg_prefix(const char *tmpl, char *buf, size_t size);

#endif
