// SPDX-License-Identifier: MIT
/* diag.c - collecting and printing diagnostics (text or JSON). */
#include "fwlc/diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const Source **sources;	/* sources[id], id 1..nsources */
static uint32_t nsources;

const Source *source_get(uint16_t id)
{
	return id && id <= nsources ? sources[id] : NULL;
}

void source_forget_all(void)
{
	free(sources);
	sources = NULL;
	nsources = 0;
}

static bool source_register(Source *s)
{
	if (nsources >= UINT16_MAX)
		return false;
	if ((nsources & (nsources + 1)) == 0 || !sources)
		sources = xrealloc(sources, (nsources + 2) * 2 * sizeof *sources);
	sources[++nsources] = s;
	s->id = (uint16_t)nsources;
	return true;
}

Span span_join(Span a, Span b)
{
	Span s = a;

	if (a.file == b.file && b.off + b.len > a.off)
		s.len = b.off + b.len - a.off;
	return s;
}

void diag_init(Diags *d)
{
	memset(d, 0, sizeof *d);
	d->tail = &d->head;
}

void diag_free(Diags *d)
{
	arena_free(&d->arena);
	memset(d, 0, sizeof *d);
	d->tail = &d->head;
}

static Diag *add(Diags *d, DiagLevel lv, Span at, int code, const char *fmt,
		 va_list ap)
{
	Diag *g = arena_alloc(&d->arena, sizeof *g);
	char buf[1024];
	int max = d->max_errors ? d->max_errors : 100;

	vsnprintf(buf, sizeof buf, fmt, ap);
	g->level = lv;
	g->code = code;
	g->span = at;
	g->msg = arena_strndup(&d->arena, buf, strlen(buf));
	g->notes_tail = &g->notes;
	g->seq = d->n;
	if (lv == DL_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	/* Past the limit the counts still grow but nothing more is kept. */
	if (d->nerrors + d->nwarnings > max)
		return g;
	*d->tail = g;
	d->tail = &g->next;
	d->n++;
	return g;
}

Diag *diag_error(Diags *d, Span at, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	Diag *g = add(d, DL_ERROR, at, code, fmt, ap);
	va_end(ap);
	return g;
}

Diag *diag_warning(Diags *d, Span at, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	Diag *g = add(d, DL_WARNING, at, code, fmt, ap);
	va_end(ap);
	return g;
}

static void add_note(Diags *d, Diag *g, DiagLevel lv, const Span *at,
		     const char *fmt, va_list ap)
{
	DiagNote *n = arena_alloc(&d->arena, sizeof *n);
	char buf[1024];

	vsnprintf(buf, sizeof buf, fmt, ap);
	n->level = lv;
	if (at) {
		n->has_span = true;
		n->span = *at;
	}
	n->msg = arena_strndup(&d->arena, buf, strlen(buf));
	*g->notes_tail = n;
	g->notes_tail = &n->next;
}

void diag_note(Diags *d, Diag *g, const Span *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(d, g, DL_NOTE, at, fmt, ap);
	va_end(ap);
}

void diag_help(Diags *d, Diag *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(d, g, DL_HELP, NULL, fmt, ap);
	va_end(ap);
}

bool diag_failed(const Diags *d)
{
	return d->nerrors > 0 || (d->werror && d->nwarnings > 0);
}

static const char *level_name(DiagLevel lv)
{
	switch (lv) {
	case DL_ERROR:
		return "error";
	case DL_WARNING:
		return "warning";
	case DL_NOTE:
		return "note";
	case DL_HELP:
		return "help";
	}
	return "?";
}

/* Count display columns (code points) in s[0..n). */
static uint32_t width(const char *s, uint32_t n)
{
	uint32_t w = 0;

	for (uint32_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

/* The source line under the location and a caret/underline over the span. */
static void print_excerpt(FILE *out, const Span *s)
{
	const Source *src = source_get(s->file);

	if (!src || !src->text || s->off > src->len)
		return;
	const char *t = src->text;
	uint32_t b = s->off, e = s->off;
	while (b > 0 && t[b - 1] != '\n')
		b--;
	while (e < src->len && t[e] != '\n')
		e++;
	/* drop a CR of a CRLF line end */
	uint32_t le = e;
	if (le > b && t[le - 1] == '\r')
		le--;
	char num[16];
	int nw = snprintf(num, sizeof num, "%u", s->line);
	fprintf(out, " %s | %.*s\n", num, (int)(le - b), t + b);
	fprintf(out, " %*s | ", nw, "");
	for (uint32_t i = b; i < s->off && i < le; i++)
		if (((unsigned char)t[i] & 0xC0) != 0x80)
			fputc(t[i] == '\t' ? '\t' : ' ', out);
	uint32_t end = s->off + s->len;
	if (end > le)
		end = le;
	uint32_t w = end > s->off ? width(t + s->off, end - s->off) : 0;
	if (w == 0)
		w = 1;
	for (uint32_t i = 0; i < w; i++)
		fputc('^', out);
	fputc('\n', out);
}

static void print_loc(FILE *out, const Span *s)
{
	fprintf(out, "%s:%u:%u: ", source_get(s->file) ? source_get(s->file)->path : "<input>",
		s->line, s->col);
}

static void print_text(FILE *out, const Diag *g)
{
	print_loc(out, &g->span);
	if (g->code)
		fprintf(out, "%s[E%04d]: %s\n", level_name(g->level), g->code,
			g->msg);
	else
		fprintf(out, "%s: %s\n", level_name(g->level), g->msg);
	print_excerpt(out, &g->span);
	for (const DiagNote *n = g->notes; n; n = n->next) {
		if (!n->has_span)
			continue;
		print_loc(out, &n->span);
		fprintf(out, "%s: %s\n", level_name(n->level), n->msg);
		print_excerpt(out, &n->span);
	}
	for (const DiagNote *n = g->notes; n; n = n->next)
		if (!n->has_span)
			fprintf(out, "  = %s: %s\n", level_name(n->level),
				n->msg);
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* end line/col of a span, found by walking its bytes */
static void span_end(const Span *s, uint32_t *line, uint32_t *col)
{
	*line = s->line;
	*col = s->col;
	const Source *src = source_get(s->file);

	if (!src)
		return;
	const char *t = src->text;
	for (uint32_t i = s->off; i < s->off + s->len && i < src->len;
	     i++) {
		if (t[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)t[i] & 0xC0) != 0x80) {
			++*col;
		}
	}
}

static void json_loc(FILE *out, const Span *s)
{
	uint32_t el, ec;

	span_end(s, &el, &ec);
	fputs("\"file\":", out);
	json_str(out, source_get(s->file) ? source_get(s->file)->path : "<input>");
	fprintf(out, ",\"line\":%u,\"col\":%u,\"end_line\":%u,\"end_col\":%u,"
		"\"offset\":%u,\"length\":%u", s->line, s->col, el, ec, s->off,
		s->len);
}

static void print_json(FILE *out, const Diag *g)
{
	fputc('{', out);
	json_loc(out, &g->span);
	fprintf(out, ",\"severity\":\"%s\",\"code\":", level_name(g->level));
	if (g->code)
		fprintf(out, "\"E%04d\"", g->code);
	else
		fputs("null", out);
	fputs(",\"message\":", out);
	json_str(out, g->msg);
	fputs(",\"notes\":[", out);
	for (const DiagNote *n = g->notes; n; n = n->next) {
		fprintf(out, "{\"severity\":\"%s\",", level_name(n->level));
		if (n->has_span) {
			json_loc(out, &n->span);
			fputc(',', out);
		}
		fputs("\"message\":", out);
		json_str(out, n->msg);
		fputc('}', out);
		if (n->next)
			fputc(',', out);
	}
	fputs("]}", out);
}

static int cmp_diag(const void *pa, const void *pb)
{
	const Diag *a = *(Diag *const *)pa, *b = *(Diag *const *)pb;
	if (a->span.file != b->span.file)
		return a->span.file < b->span.file ? -1 : 1;
	if (a->span.off != b->span.off)
		return a->span.off < b->span.off ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_print(Diags *d, FILE *out)
{
	Diag **v = xmalloc((d->n ? d->n : 1) * sizeof *v);
	uint32_t i = 0;

	for (Diag *g = d->head; g; g = g->next)
		v[i++] = g;
	qsort(v, d->n, sizeof *v, cmp_diag);
	if (d->format == DIAG_JSON) {
		fputc('[', out);
		for (i = 0; i < d->n; i++) {
			if (i)
				fputs(",\n ", out);
			print_json(out, v[i]);
		}
		fputs("]\n", out);
	} else {
		for (i = 0; i < d->n; i++)
			print_text(out, v[i]);
		int kept = (int)d->n, total = d->nerrors + d->nwarnings;
		if (total > kept)
			fprintf(out, "fwlc: %d more diagnostics not shown\n",
				total - kept);
		if (d->nerrors || d->nwarnings)
			fprintf(out, "fwlc: %d error%s, %d warning%s\n",
				d->nerrors, d->nerrors == 1 ? "" : "s",
				d->nwarnings, d->nwarnings == 1 ? "" : "s");
	}
	free(v);
}

Source *source_from_mem(Arena *a, const char *path, const char *text,
			size_t len)
{
	Source *s = arena_alloc(a, sizeof *s);

	s->path = arena_strndup(a, path, strlen(path));
	s->text = arena_strndup(a, text, len);
	s->len = (uint32_t)len;
	if (!source_register(s))
		return NULL;
	return s;
}

Source *source_read(Arena *a, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	struct stat st;
	bool have_st = fstat(fileno(f), &st) == 0;
	if (have_st && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= UINT32_MAX) {
		if (f != stdin)
			fclose(f);
		errno = EFBIG;
		return NULL;
	}
	if (have_st && S_ISDIR(st.st_mode)) {
		if (f != stdin)
			fclose(f);
		errno = EISDIR;
		return NULL;
	}
	if (have_st && S_ISREG(st.st_mode) && f != stdin) {
		/* a regular file: read straight into the arena, no copy */
		size_t size = (size_t)st.st_size;
		char *text = arena_alloc(a, size + 1);
		size_t got = fread(text, 1, size, f);
		int err = ferror(f) ? (errno ? errno : EIO) : 0;
		fclose(f);
		if (err || got != size) {
			errno = err ? err : EIO;	/* changed under us */
			return NULL;
		}
		text[size] = '\0';
		Source *s = arena_alloc(a, sizeof *s);
		s->path = arena_strndup(a, path, strlen(path));
		s->text = text;
		s->len = (uint32_t)size;
		if (!source_register(s)) {
			errno = EMFILE;
			return NULL;
		}
		return s;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (size_t)UINT32_MAX) {
				free(buf);
				if (f != stdin)
					fclose(f);
				errno = EFBIG;
				return NULL;
			}
			buf = xrealloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	int err = ferror(f) ? (errno ? errno : EIO) : 0;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	Source *s = source_from_mem(a, path, buf ? buf : "", len);
	free(buf);
	if (!s)
		errno = EMFILE;
	return s;
}
