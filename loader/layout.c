// SPDX-License-Identifier: MIT
/* layout.c - layout versions of the pinned maps, see layout.h. */
#include "loader/layout.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void layout_key(const char *name, char key[LAYOUT_KEY_SIZE])
{
	memset(key, 0, LAYOUT_KEY_SIZE);
	snprintf(key, LAYOUT_KEY_SIZE, "%s", name);
}

static int open_records(const char *pin_dir, bool create)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/maps/%s", pin_dir, LAYOUT_MAP_NAME);
	int fd = bpf_obj_get(path);
	if (fd >= 0 || !create)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, LAYOUT_MAP_NAME,
			    LAYOUT_KEY_SIZE, sizeof(__u32), 256, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path)) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static const char *class_word(enum map_class c)
{
	return c == MAP_FLOW ? "FLOW" : "EXTERNAL";
}

int layout_check(const struct bundle *b, struct bpf_object *obj,
		 const char *pin_dir, char *err, size_t errlen)
{
	static const char tail[] = "; no migration between these layouts is "
		"defined, so nothing was changed (the policy that was "
		"enforcing still is).  Starting the map afresh loses its "
		"state: stop fwld, then 'fwld --cleanup' or remove the pin";
	int rec = open_records(pin_dir, false), r = 0;
	char path[4096], key[LAYOUT_KEY_SIZE];

	for (int i = 0; i < b->nmaps && !r; i++) {
		const struct bundle_map *m = &b->maps[i];
		struct bpf_map *map;
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info), ver;
		int fd;

		if (m->class == MAP_POLICY ||
		    !(map = bpf_object__find_map_by_name(obj, m->name)))
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", pin_dir, m->name);
		if ((fd = bpf_obj_get(path)) < 0)
			continue;	/* not pinned yet: created fresh */
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			r = -errno;
			snprintf(err, errlen, "cannot inspect the pinned map %s: "
				 "%s", path, strerror(-r));
		} else if (info.type != bpf_map__type(map) ||
			   info.key_size != bpf_map__key_size(map) ||
			   info.value_size != bpf_map__value_size(map) ||
			   info.max_entries != bpf_map__max_entries(map) ||
			   info.map_flags != bpf_map__map_flags(map)) {
			snprintf(err, errlen, "%s map %s pinned at %s is a %s "
				 "map with %u-byte keys, %u-byte values, %u "
				 "entries and flags 0x%x, but the new policy "
				 "declares a %s map with %u-byte keys, %u-byte "
				 "values, %u entries and flags 0x%x%s",
				 class_word(m->class), m->name, path,
				 libbpf_bpf_map_type_str(info.type),
				 info.key_size, info.value_size,
				 info.max_entries, info.map_flags,
				 libbpf_bpf_map_type_str(bpf_map__type(map)),
				 bpf_map__key_size(map), bpf_map__value_size(map),
				 bpf_map__max_entries(map),
				 bpf_map__map_flags(map), tail);
			r = -ESTALE;
		} else if (rec >= 0 && (layout_key(m->name, key),
					!bpf_map_lookup_elem(rec, key, &ver)) &&
			   (int)ver != m->layout) {
			snprintf(err, errlen, "%s map %s pinned at %s has layout "
				 "version %u, but the new policy's bundle "
				 "declares layout version %d%s",
				 class_word(m->class), m->name, path, ver,
				 m->layout, tail);
			r = -ESTALE;
		}
		close(fd);
	}
	if (rec >= 0)
		close(rec);
	return r;
}

int layout_record(const struct bundle *b, const char *pin_dir, char *err,
		  size_t errlen)
{
	char key[LAYOUT_KEY_SIZE];
	int rec = open_records(pin_dir, true), r = 0;
	if (rec < 0) {
		snprintf(err, errlen, "cannot record map layouts in %s/maps/%s: "
			 "%s", pin_dir, LAYOUT_MAP_NAME, strerror(-rec));
		return rec;
	}
	for (int i = 0; i < b->nmaps; i++) {
		const struct bundle_map *m = &b->maps[i];
		__u32 ver = m->layout;
		if (m->class == MAP_POLICY)
			continue;
		layout_key(m->name, key);
		if (bpf_map_update_elem(rec, key, &ver, BPF_ANY)) {
			r = -errno;
			snprintf(err, errlen, "cannot record the layout of %s: "
				 "%s", m->name, strerror(-r));
			break;
		}
	}
	close(rec);
	return r;
}
