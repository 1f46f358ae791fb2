/*
 * Proxy auto-configuration, the parts without a network (pac.h): runs a
 * PAC script's FindProxyForURL in a fresh duktape heap whose memory is
 * capped, with the helper functions browsers give it; reads the first
 * usable entry of its answer; matches no_proxy; reads the environment's
 * proxy variables. Names are resolved before a script runs (struct
 * pac_net): a script never waits on the network.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <duktape.h>

#include "pac.h"

/* The size of each block rides in front of it, for the cap. */
#define PAC_HDR		16

struct pac_heap {
	size_t		 used;
};

static void	*pac_alloc(void *, duk_size_t);
static void	*pac_realloc(void *, void *, duk_size_t);
static void	 pac_free(void *, void *);
static void	 pac_fatal(void *, const char *);
static duk_ret_t pac_dns_resolve(duk_context *);
static duk_ret_t pac_my_ip(duk_context *);
static const struct pac_net *pac_net_of(duk_context *);
static int	 pac_numeric(const char *);
static int	 pac_hostport_ok(const char *);

/*
 * The helper functions of the PAC format (Netscape's, as browsers keep
 * them), in JavaScript over the two natives dnsResolve and myIpAddress.
 */
static const char pac_helpers[] =
"function isPlainHostName(h) { return h.indexOf('.') < 0; }\n"
"function dnsDomainIs(h, d) {\n"
"  h = String(h).toLowerCase(); d = String(d).toLowerCase();\n"
"  return h.length >= d.length && h.substring(h.length - d.length) == d;\n"
"}\n"
"function localHostOrDomainIs(h, hd) {\n"
"  return h == hd || (h.indexOf('.') < 0 && hd.lastIndexOf(h + '.', 0) == 0);\n"
"}\n"
"function isResolvable(h) { return dnsResolve(h) !== null; }\n"
"function dnsDomainLevels(h) { return h.split('.').length - 1; }\n"
"function convert_addr(ip) {\n"
"  var b = ip.split('.');\n"
"  return ((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 |\n"
"      (b[3] & 0xff)) >>> 0;\n"
"}\n"
"function isInNet(h, pat, mask) {\n"
"  var v4 = /^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$/;\n"
"  var a = v4.test(h) ? h : dnsResolve(h);\n"
"  if (a === null || !v4.test(a) || !v4.test(pat) || !v4.test(mask))\n"
"    return false;\n"
"  var m = convert_addr(mask);\n"
"  return ((convert_addr(a) & m) >>> 0) == ((convert_addr(pat) & m) >>> 0);\n"
"}\n"
"function shExpMatch(s, p) {\n"
"  p = String(p).replace(/[.+^${}()|[\\]\\\\]/g, '\\\\$&')\n"
"      .replace(/\\*/g, '.*').replace(/\\?/g, '.');\n"
"  return new RegExp('^' + p + '$').test(s);\n"
"}\n"
"function pac_gmt(a) { return a.length > 0 && a[a.length - 1] == 'GMT'; }\n"
"function weekdayRange() {\n"
"  var days = ['SUN','MON','TUE','WED','THU','FRI','SAT'];\n"
"  var a = Array.prototype.slice.call(arguments), g = pac_gmt(a);\n"
"  if (g) a.pop();\n"
"  var d = new Date(), t = g ? d.getUTCDay() : d.getDay();\n"
"  var w1 = days.indexOf(a[0]), w2 = a.length > 1 ? days.indexOf(a[1]) : w1;\n"
"  if (w1 < 0 || w2 < 0) return false;\n"
"  return w1 <= w2 ? (t >= w1 && t <= w2) : (t >= w1 || t <= w2);\n"
"}\n"
"function timeRange() {\n"
"  var a = Array.prototype.slice.call(arguments), g = pac_gmt(a);\n"
"  if (g) a.pop();\n"
"  var d = new Date();\n"
"  var now = (g ? d.getUTCHours() : d.getHours()) * 3600 +\n"
"      (g ? d.getUTCMinutes() : d.getMinutes()) * 60 +\n"
"      (g ? d.getUTCSeconds() : d.getSeconds());\n"
"  var lo, hi;\n"
"  if (a.length == 1) { lo = a[0] * 3600; hi = lo + 3599; }\n"
"  else if (a.length == 2) { lo = a[0] * 3600; hi = a[1] * 3600 + 3599; }\n"
"  else if (a.length == 4) { lo = a[0] * 3600 + a[1] * 60;\n"
"    hi = a[2] * 3600 + a[3] * 60 + 59; }\n"
"  else if (a.length == 6) { lo = a[0] * 3600 + a[1] * 60 + a[2] * 1;\n"
"    hi = a[3] * 3600 + a[4] * 60 + a[5] * 1; }\n"
"  else return false;\n"
"  return lo <= hi ? (now >= lo && now <= hi) : (now >= lo || now <= hi);\n"
"}\n"
"function dateRange() {\n"
"  var months = ['JAN','FEB','MAR','APR','MAY','JUN','JUL','AUG','SEP',\n"
"      'OCT','NOV','DEC'];\n"
"  var a = Array.prototype.slice.call(arguments), g = pac_gmt(a);\n"
"  if (g) a.pop();\n"
"  var d = new Date();\n"
"  var now = [g ? d.getUTCDate() : d.getDate(),\n"
"      g ? d.getUTCMonth() : d.getMonth(),\n"
"      g ? d.getUTCFullYear() : d.getFullYear()];\n"
"  var p = [];\n"
"  for (var i = 0; i < a.length; i++) {\n"
"    var m = months.indexOf(a[i]);\n"
"    if (m >= 0) p.push([1, m]);\n"
"    else if (a[i] > 31) p.push([2, a[i] * 1]);\n"
"    else p.push([0, a[i] * 1]);\n"
"  }\n"
"  if (p.length == 1) return now[p[0][0]] == p[0][1];\n"
"  if (p.length == 0 || p.length % 2 == 1) return false;\n"
"  var half = p.length / 2, kinds = [];\n"
"  for (i = 0; i < half; i++) kinds.push(p[i][0]);\n"
"  function key(v, x) {\n"
"    var r = 0;\n"
"    for (var k = 2; k >= 0; k--)\n"
"      if (kinds.indexOf(k) >= 0) {\n"
"        var val = x ? x[kinds.indexOf(k)][1] : v[k];\n"
"        r = r * 100 + (k == 2 ? val - 1900 : val);\n"
"      }\n"
"    return r;\n"
"  }\n"
"  var lo = key(null, p.slice(0, half)), hi = key(null, p.slice(half));\n"
"  var n = key(now, null);\n"
"  return lo <= hi ? (n >= lo && n <= hi) : (n >= lo || n <= hi);\n"
"}\n";

/*
 * Run FindProxyForURL(url, net->host) from script: its answer in out,
 * 0; or -1 with why in err (a syntax error, a throw, no such function, an
 * answer that is not a string or too long, the memory cap).
 */
int
pac_run(const char *script, size_t len, const char *url,
    const struct pac_net *net, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct pac_heap	 heap = { 0 };
	duk_context	*ctx;
	const char	*r;
	int		 rc = -1;

	out[0] = '\0';
	if (len > PAC_SCRIPT_MAX) {
		snprintf(err, errlen, "the script is over %d bytes",
		    PAC_SCRIPT_MAX);
		return -1;
	}
	if ((ctx = duk_create_heap(pac_alloc, pac_realloc, pac_free, &heap,
	    pac_fatal)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	duk_push_global_stash(ctx);
	duk_push_pointer(ctx, (void *)(uintptr_t)net);
	duk_put_prop_string(ctx, -2, "net");
	duk_pop(ctx);
	duk_push_c_function(ctx, pac_dns_resolve, 1);
	duk_put_global_string(ctx, "dnsResolve");
	duk_push_c_function(ctx, pac_my_ip, 0);
	duk_put_global_string(ctx, "myIpAddress");
	if (duk_peval_string(ctx, pac_helpers) != 0) {
		snprintf(err, errlen, "the helper functions: %s",
		    duk_safe_to_string(ctx, -1));
		goto done;
	}
	duk_pop(ctx);
	if (duk_peval_lstring(ctx, script, len) != 0) {
		snprintf(err, errlen, "%.200s", duk_safe_to_string(ctx, -1));
		goto done;
	}
	duk_pop(ctx);
	if (!duk_get_global_string(ctx, "FindProxyForURL") ||
	    !duk_is_function(ctx, -1)) {
		snprintf(err, errlen, "no function FindProxyForURL");
		goto done;
	}
	duk_push_string(ctx, url);
	duk_push_string(ctx, net->host);
	if (duk_pcall(ctx, 2) != 0) {
		snprintf(err, errlen, "FindProxyForURL: %.200s",
		    duk_safe_to_string(ctx, -1));
		goto done;
	}
	if (!duk_is_string(ctx, -1)) {
		snprintf(err, errlen, "FindProxyForURL did not return a "
		    "string");
		goto done;
	}
	r = duk_get_string(ctx, -1);
	if (strlen(r) >= outlen) {
		snprintf(err, errlen, "FindProxyForURL returned over %zu "
		    "bytes", outlen - 1);
		goto done;
	}
	memcpy(out, r, strlen(r) + 1);
	rc = 0;
done:
	duk_destroy_heap(ctx);
	return rc;
}

/*
 * The first entry of a PAC answer hrac can use ("PROXY host:port" or
 * "HTTP host:port": "http://host:port" in proxy; "DIRECT": "" in proxy),
 * 0; -1 when there is none (SOCKS, HTTPS proxies, junk, nothing).
 */
int
pac_pick(const char *result, char *proxy, size_t len)
{
	const char	*p = result, *e, *arg;
	char		 entry[300], kind[16];
	size_t		 n, k;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, ';');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		p += n;
		if (n >= sizeof(entry))
			continue;
		memcpy(entry, p - n, n);
		entry[n] = '\0';
		while (n > 0 && isspace((unsigned char)entry[n - 1]))
			entry[--n] = '\0';
		for (k = 0; k < sizeof(kind) - 1 && entry[k] != '\0' &&
		    !isspace((unsigned char)entry[k]); k++)
			kind[k] = entry[k];
		kind[k] = '\0';
		for (arg = entry + k; isspace((unsigned char)*arg); arg++)
			;
		if (strcasecmp(kind, "DIRECT") == 0 && *arg == '\0') {
			if (len == 0)
				return -1;
			proxy[0] = '\0';
			return 0;
		}
		if ((strcasecmp(kind, "PROXY") == 0 ||
		    strcasecmp(kind, "HTTP") == 0) && pac_hostport_ok(arg)) {
			if ((size_t)snprintf(proxy, len, "http://%s", arg) >=
			    len)
				return -1;
			return 0;
		}
	}
	return -1;
}

/* "host:port", "[v6]:port" or "host": letters, digits, . - : [ ] only. */
static int
pac_hostport_ok(const char *s)
{
	size_t	 i;

	if (*s == '\0' || strlen(s) > 270)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && strchr(".-:[]_", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* True if s is a numeric IPv4 or IPv6 address. */
static int
pac_numeric(const char *s)
{
	unsigned char	 a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/*
 * True if no_proxy's list (commas or blanks between entries) exempts
 * host:port: "*"; a name, which covers its subdomains (a leading "." or
 * "*." is the same); "name:port"; an address, or an IPv4 network in CIDR
 * form. Case does not matter.
 */
int
pac_no_proxy(const char *list, const char *host, uint16_t port)
{
	char		 e[300], *c, *slash;
	const char	*p = list, *name;
	size_t		 n, hl = strlen(host), el;
	struct in_addr	 a, net;
	long		 bits;
	uint32_t	 mask;

	while (*p != '\0') {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		for (n = 0; p[n] != '\0' && p[n] != ',' &&
		    !isspace((unsigned char)p[n]); n++)
			;
		if (n == 0)
			break;
		if (n >= sizeof(e)) {
			p += n;
			continue;
		}
		memcpy(e, p, n);
		e[n] = '\0';
		p += n;
		if (strcmp(e, "*") == 0)
			return 1;
		/* "name:port" (one colon: not an IPv6 address). */
		if ((c = strrchr(e, ':')) != NULL && strchr(e, ':') == c) {
			*c = '\0';
			if (strtol(c + 1, NULL, 10) != port)
				continue;
		}
		if ((slash = strchr(e, '/')) != NULL) {
			*slash = '\0';
			bits = strtol(slash + 1, &c, 10);
			if (*c != '\0' || bits < 0 || bits > 32 ||
			    inet_pton(AF_INET, e, &net) != 1 ||
			    inet_pton(AF_INET, host, &a) != 1)
				continue;
			mask = bits == 0 ? 0 : htonl(~0u << (32 - bits));
			if ((a.s_addr & mask) == (net.s_addr & mask))
				return 1;
			continue;
		}
		name = e;
		if (strncmp(name, "*.", 2) == 0)
			name += 2;
		else if (name[0] == '.')
			name++;
		el = strlen(name);
		if (el == 0)
			continue;
		if (strcasecmp(host, name) == 0)
			return 1;
		if (!pac_numeric(host) && hl > el && host[hl - el - 1] == '.' &&
		    strcasecmp(host + hl - el, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * The environment's proxy for a server reached over TLS (https_proxy,
 * HTTPS_PROXY) or not (http_proxy, HTTP_PROXY): the value, and in *name
 * the variable's; NULL when unset or empty.
 */
const char *
pac_env_proxy(int tls, const char **name)
{
	static const char *const vars[2][2] = {
		{ "http_proxy", "HTTP_PROXY" },
		{ "https_proxy", "HTTPS_PROXY" }
	};
	const char	*v;
	int		 i;

	for (i = 0; i < 2; i++)
		if ((v = getenv(vars[tls != 0][i])) != NULL && *v != '\0') {
			if (name != NULL)
				*name = vars[tls != 0][i];
			return v;
		}
	return NULL;
}

/* dnsResolve(host): the address found beforehand, the host if numeric,
 * else null (a script never waits on a resolver). */
static duk_ret_t
pac_dns_resolve(duk_context *ctx)
{
	const struct pac_net	*net = pac_net_of(ctx);
	const char		*h = duk_safe_to_string(ctx, 0);

	if (pac_numeric(h))
		duk_push_string(ctx, h);
	else if (net != NULL && net->host != NULL &&
	    strcasecmp(h, net->host) == 0 && net->host_ip[0] != '\0')
		duk_push_string(ctx, net->host_ip);
	else
		duk_push_null(ctx);
	return 1;
}

/* myIpAddress(): the address hrac reaches out from. */
static duk_ret_t
pac_my_ip(duk_context *ctx)
{
	const struct pac_net	*net = pac_net_of(ctx);

	duk_push_string(ctx, net != NULL && net->my_ip[0] != '\0' ?
	    net->my_ip : "127.0.0.1");
	return 1;
}

/* The struct pac_net a running script was given. */
static const struct pac_net *
pac_net_of(duk_context *ctx)
{
	const struct pac_net	*net;

	duk_push_global_stash(ctx);
	duk_get_prop_string(ctx, -1, "net");
	net = duk_get_pointer(ctx, -1);
	duk_pop_2(ctx);
	return net;
}

/* Memory for the script, within PAC_HEAP_MAX. */
static void *
pac_alloc(void *ud, duk_size_t size)
{
	struct pac_heap	*h = ud;
	unsigned char	*p;

	if (size > PAC_HEAP_MAX - h->used ||
	    (p = malloc(PAC_HDR + size)) == NULL)
		return NULL;
	memcpy(p, &size, sizeof(size));
	h->used += size;
	return p + PAC_HDR;
}

/* duktape's realloc: NULL allocates, size 0 frees. */
static void *
pac_realloc(void *ud, void *ptr, duk_size_t size)
{
	struct pac_heap	*h = ud;
	unsigned char	*p;
	size_t		 old;

	if (ptr == NULL)
		return size == 0 ? NULL : pac_alloc(ud, size);
	if (size == 0) {
		pac_free(ud, ptr);
		return NULL;
	}
	p = (unsigned char *)ptr - PAC_HDR;
	memcpy(&old, p, sizeof(old));
	if (size > old && size - old > PAC_HEAP_MAX - h->used)
		return NULL;
	if ((p = realloc(p, PAC_HDR + size)) == NULL)
		return NULL;
	memcpy(p, &size, sizeof(size));
	h->used = h->used - old + size;
	return p + PAC_HDR;
}

/* Give memory back. */
static void
pac_free(void *ud, void *ptr)
{
	struct pac_heap	*h = ud;
	unsigned char	*p;
	size_t		 old;

	if (ptr == NULL)
		return;
	p = (unsigned char *)ptr - PAC_HDR;
	memcpy(&old, p, sizeof(old));
	h->used -= old;
	free(p);
}

/*
 * An error outside a protected call. Every call into the script is
 * protected (duk_peval, duk_pcall), so this is a bug of ours.
 */
static void
pac_fatal(void *ud, const char *msg)
{
	(void)ud;
	fprintf(stderr, "pac: duktape fatal error: %s\n", msg);
	abort();
}
