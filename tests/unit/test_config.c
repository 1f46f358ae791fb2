/*
 * Unit tests of the configuration loader: the sample files load, every
 * kind of mistake is refused with its exact "file:line: ..." message, and
 * the URL parser the tunnel code uses accepts and refuses what it should.
 * Run from the top of the tree (the samples are read from conf/).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "hrac_config.h"
#include "hras_config.h"

/* One file that must be refused, with the message after its path. */
struct bad_case {
	const char	*name;
	const char	*text;		/* "@DIR@" stands for the temp dir */
	const char	*error;
};

static char	 tmpdir[64];

static const char *tc_path(const char *, char *, size_t);
static void	 tc_write(const char *, const char *);
static void	 tc_sample(const char *, const char *, char *, size_t);
static void	 tc_bad(const struct bad_case *, size_t, int);

/* Secrets made with openssl rand -base64 32. */
#define TC_SECRET	"95uQ/9nzArfGL0KsiGc7/XCV8JCaQMBDpguNyHfS9qk="
#define TC_SECRET2	"QUcPxPHVdAfiFSdiekVwc//CJwj52PB7NvR6SqYAf+U="

#define HRAS_DOMAINS	"domains = [ \"corp.example\" ];\n"
#define HRAS_SIP	"sip = { address = \"198.51.100.10\"; port = 5060; };\n"
#define HRAS_MEDIA	"media = { address = \"198.51.100.10\"; " \
			"port_min = 20000; port_max = 29999; };\n"
#define HRAS_TUNNEL	"tunnel = { address = \"198.51.100.10\"; " \
			"port = 8080; };\n"
#define HRAS_CLIENTS	"clients = ( { id = \"corp\";" \
			" secret = \"" TC_SECRET "\";" \
			" domains = [ \"corp.example\" ]; } );\n"
#define HRAS_OK		HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL \
			HRAS_CLIENTS

#define HRAC_ID		"id = \"corp\";\nsecret = \"" TC_SECRET "\";\n"
#define HRAC_SERVER	"server = \"http://198.51.100.10:8080/\";\n"
#define HRAC_SIP	"sip = { address = \"10.77.0.2\"; };\n"
#define HRAC_MEDIA	"media = { address = \"10.77.0.2\"; };\n"
#define HRAC_OK		HRAC_ID HRAC_SERVER HRAC_SIP HRAC_MEDIA
#define HRAC_PROXY	"proxy = \"http://10.77.0.1:3128\";\n"

static const struct bad_case hras_bad[] = {
	{ "user.conf",
	  HRAS_OK "user = 995;\n",
	  ":6: user: expected a string" },
	{ "sandbox.conf",
	  HRAS_OK "sandbox = \"no\";\n",
	  ":6: sandbox: expected true or false" },
	{ "syntax.conf",
	  HRAS_DOMAINS
	  "sip = { address = \"198.51.100.10\"; port = ; };\n",
	  ":2: syntax error" },
	{ "type.conf",
	  HRAS_DOMAINS
	  "sip = { address = \"198.51.100.10\"; port = \"5060\"; };\n",
	  ":2: sip.port: expected an integer" },
	{ "group.conf",
	  HRAS_DOMAINS "sip = 5060;\n",
	  ":2: sip: expected a group" },
	{ "range.conf",
	  HRAS_DOMAINS "sip = {\n  address = \"198.51.100.10\";\n"
	  "  port = 70000;\n};\n",
	  ":4: sip.port: 70000 out of range 1..65535" },
	{ "missing-in-group.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = { address = \"198.51.100.10\"; };\n" HRAS_CLIENTS,
	  ":4: missing required key \"tunnel.port\"" },
	{ "missing-top.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL,
	  ": missing required key \"clients\"" },
	{ "missing-in-client.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = (\n  { id = \"corp\"; domains = [ \"corp.example\" ]; }"
	  "\n);\n",
	  ":6: missing required key \"clients[0].secret\"" },
	{ "unknown-top.conf",
	  HRAS_OK "sipp = { port = 5060; };\n",
	  ":6: sipp: unknown key" },
	{ "unknown-in-group.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = {\n  address = \"198.51.100.10\";\n  port = 8080;\n"
	  "  keepalife = 10;\n};\n" HRAS_CLIENTS,
	  ":7: tunnel.keepalife: unknown key" },
	{ "unknown-in-client.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = ( { id = \"corp\"; secret = \"" TC_SECRET "\";\n"
	  "  domains = [ \"corp.example\" ]; secert = \"x\"; } );\n",
	  ":6: clients[0].secert: unknown key" },
	{ "unknown-domain.conf",
	  "domains = [ \"corp.example\", \"other.example\" ];\n"
	  HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = (\n  {\n    id = \"corp\";\n    secret = \"" TC_SECRET "\";\n"
	  "    domains = [ \"corp.example\",\n"
	  "                \"elsewhere.example\" ];\n  }\n);\n",
	  ":10: clients[0].domains[1]: unknown domain \"elsewhere.example\"" },
	{ "duplicate-id.conf",
	  "domains = [ \"corp.example\", \"other.example\" ];\n"
	  HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = (\n"
	  "  { id = \"corp\"; secret = \"" TC_SECRET "\";"
	  " domains = [ \"corp.example\" ]; },\n"
	  "  { id = \"corp\"; secret = \"" TC_SECRET2 "\";"
	  " domains = [ \"other.example\" ]; }\n);\n",
	  ":7: clients[1].id: duplicate client id \"corp\"" },
	{ "shared-domain.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = (\n"
	  "  { id = \"a\"; secret = \"" TC_SECRET "\";"
	  " domains = [ \"corp.example\" ]; },\n"
	  "  { id = \"b\"; secret = \"" TC_SECRET "\";"
	  " domains = [ \"CORP.example\" ]; }\n);\n",
	  ":7: clients[1].domains[0]: domain \"CORP.example\" already "
	  "belongs to client \"a\"" },
	{ "bad-address.conf",
	  HRAS_DOMAINS "sip = { address = \"sip.corp.example\"; };\n",
	  ":2: sip.address: \"sip.corp.example\" is not a numeric IPv4 or "
	  "IPv6 address" },
	{ "bad-address6.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = { address = \"2001:db8::1::2\"; port = 8080; };\n",
	  ":4: tunnel.address: \"2001:db8::1::2\" is not a numeric IPv4 or "
	  "IPv6 address" },
	{ "tls-cert-only.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = {\n  address = \"198.51.100.10\";\n  port = 8080;\n"
	  "  tls = { cert = \"@DIR@/cert.pem\"; };\n};\n" HRAS_CLIENTS,
	  ":7: tunnel.tls: cert and key must be given together" },
	{ "tls-unreadable.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = { address = \"198.51.100.10\"; port = 8080;\n"
	  "  tls = { cert = \"@DIR@/cert.pem\"; key = \"@DIR@/none\"; }; };\n"
	  HRAS_CLIENTS,
	  ":5: tunnel.tls.key: cannot read \"@DIR@/none\": No such file or "
	  "directory" },
	{ "keepalive.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = {\n  address = \"198.51.100.10\";\n  port = 8080;\n"
	  "  keepalive = 30;\n  timeout = 30;\n};\n" HRAS_CLIENTS,
	  ":8: tunnel.timeout: timeout 30 must exceed keepalive 30" },
	{ "keepalive-default.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = { address = \"198.51.100.10\"; port = 8080;\n"
	  "  keepalive = 60; };\n" HRAS_CLIENTS,
	  ":5: tunnel.keepalive: timeout 45 must exceed keepalive 60" },
	{ "media-order.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\";\n  port_min = 30000;\n"
	  "  port_max = 20001; };\n",
	  ":5: media.port_max: 20001 is below port_min 30000" },
	{ "media-odd.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\"; port_min = 20000;"
	  " port_max = 20000; };\n",
	  ":3: media.port_max: range 20000..20000 must hold an even number "
	  "of ports, at least 2" },
	{ "media-low.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\"; port_min = 1000; };\n",
	  ":3: media.port_min: 1000 out of range 1024..65535" },
	{ "media-streams-call.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\"; streams_per_call = 9; };\n",
	  ":3: media.streams_per_call: 9 out of range 1..8" },
	{ "media-streams-call0.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\"; streams_per_call = 0; };\n",
	  ":3: media.streams_per_call: 0 out of range 1..8" },
	{ "media-streams-source.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\";\n"
	  "  streams_per_source = -1; };\n",
	  ":4: media.streams_per_source: -1 out of range 0..65535" },
	{ "media-streams-client.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\";\n"
	  "  streams_per_client = 65536; };\n",
	  ":4: media.streams_per_client: 65536 out of range 0..65535" },
	{ "media-calls-client.conf",
	  HRAS_DOMAINS HRAS_SIP
	  "media = { address = \"198.51.100.10\";\n"
	  "  calls_per_client = \"many\"; };\n",
	  ":4: media.calls_per_client: expected an integer" },
	{ "timer-c.conf",
	  HRAS_DOMAINS
	  "sip = { address = \"198.51.100.10\"; timer_c = 0; };\n",
	  ":2: sip.timer_c: 0 out of range 1..3600" },
	{ "domains-empty.conf",
	  "domains = [ ];\n",
	  ":1: domains: must have at least 1 entry" },
	{ "domains-type.conf",
	  "domains = [ 1, 2 ];\n",
	  ":1: domains[0]: expected a string" },
	{ "domains-bad.conf",
	  "domains = [ \"corp..example\" ];\n",
	  ":1: domains[0]: \"corp..example\" is not a valid domain name" },
	{ "client-id.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = ( { id = \"corp/1\"; secret = \"" TC_SECRET "\";"
	  " domains = [ \"corp.example\" ]; } );\n",
	  ":5: clients[0].id: expected 1 to 64 characters of A-Z a-z 0-9 . _ -"
	},
	{ "client-secret.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = ( { id = \"corp\"; secret = \"s3cret\";"
	  " domains = [ \"corp.example\" ]; } );\n",
	  ":5: clients[0].secret: \"s3cret\" is a sample, not a secret: "
	  "make one with \"openssl rand -base64 32\"" },
	{ "client-secret-sample.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = ( { id = \"corp\";\n  secret = \"Change-Me\";"
	  " domains = [ \"corp.example\" ]; } );\n",
	  ":6: clients[0].secret: \"change-me\" is a sample, not a secret: "
	  "make one with \"openssl rand -base64 32\"" },
	{ "client-secret-weak.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL
	  "clients = ( { id = \"corp\"; secret = \"corp-secret-1\";"
	  " domains = [ \"corp.example\" ]; } );\n",
	  ":5: clients[0].secret: too easy to guess (about 40 bits, 128 "
	  "needed): make one with \"openssl rand -base64 32\"" },
	{ "clients-empty.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA HRAS_TUNNEL "clients = ( );\n",
	  ":5: clients: must have at least 1 entry" },
	{ "upstream.conf",
	  HRAS_OK "upstream = \"198.51.100.30\";\n",
	  ":6: upstream: \"198.51.100.30\" is not host:port" },
	{ "dns-name.conf",
	  HRAS_OK "dns = {\n  server = \"ns.example\";\n};\n",
	  ":7: dns.server: \"ns.example\" is not a numeric address with an "
	  "optional :port" },
	{ "dns-port.conf",
	  HRAS_OK "dns = { server = \"198.51.100.53:0\"; };\n",
	  ":6: dns.server: \"198.51.100.53:0\" is not a numeric address with "
	  "an optional :port" },
	{ "dns-v6.conf",
	  HRAS_OK "dns = { server = \"[2001:db8::53]\"; timeout = 5; };\n",
	  ":6: dns.server: \"[2001:db8::53]\" is not a numeric address with "
	  "an optional :port" },
	{ "dns-timeout.conf",
	  HRAS_OK "dns = { server = \"198.51.100.53\"; timeout = 0; };\n",
	  ":6: dns.timeout: 0 out of range 1..30" },
	{ "dns-type.conf",
	  HRAS_OK "dns = \"198.51.100.53\";\n",
	  ":6: dns: expected a group" },
	{ "hook-half.conf",
	  HRAS_OK "hook = {\n"
	  "  listen = { address = \"127.0.0.1\"; port = 7000; };\n};\n",
	  ":6: missing required key \"hook.forward\"" },
	{ "log-type.conf",
	  HRAS_OK "log = { debug = 1; };\n",
	  ":6: log.debug: expected true or false" },
	{ "unauth-over-conns.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = { address = \"198.51.100.10\"; port = 8080;\n"
	  "  conns_max = 100; unauth_max = 200; };\n" HRAS_CLIENTS,
	  ":5: tunnel.unauth_max: unauth_max 200 must not exceed conns_max "
	  "100" },
	{ "head-timeout.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = { address = \"198.51.100.10\"; port = 8080;\n"
	  "  head_timeout = 0; };\n" HRAS_CLIENTS,
	  ":5: tunnel.head_timeout: 0 out of range 1..300" },
	{ "per-address.conf",
	  HRAS_DOMAINS HRAS_SIP HRAS_MEDIA
	  "tunnel = { address = \"198.51.100.10\"; port = 8080;\n"
	  "  conns_per_address = 0; };\n" HRAS_CLIENTS,
	  ":5: tunnel.conns_per_address: 0 out of range 1..65536" },
	{ "sip-tcp-first.conf",
	  HRAS_DOMAINS
	  "sip = { address = \"198.51.100.10\";\n"
	  "  tcp = { first_timeout = 301; }; };\n",
	  ":3: sip.tcp.first_timeout: 301 out of range 1..300" },
	{ "log-limit.conf",
	  HRAS_OK "log = { limit_lines = 0; };\n",
	  ":6: log.limit_lines: 0 out of range 1..100000" },
	{ "limits-requests.conf",
	  HRAS_OK "limits = { requests = 0; };\n",
	  ":6: limits.requests: 0 out of range 1..100000" },
	{ "limits-ban.conf",
	  HRAS_OK "limits = { ban = 86401; };\n",
	  ":6: limits.ban: 86401 out of range 1..86400" },
	{ "limits-sources.conf",
	  HRAS_OK "limits = { sources = 10; };\n",
	  ":6: limits.sources: 10 out of range 1024..1048576" },
	{ "limits-allow.conf",
	  HRAS_OK "limits = {\n  allow = [ \"10.0.0.0/8\",\n"
	  "    \"10.0.0.1/8\" ];\n};\n",
	  ":8: limits.allow[1]: \"10.0.0.1/8\" is not an address or "
	  "address/prefix-length (host bits clear)" },
	{ "limits-allow-name.conf",
	  HRAS_OK "limits = { allow = [ \"corp.example\" ]; };\n",
	  ":6: limits.allow[0]: \"corp.example\" is not an address or "
	  "address/prefix-length (host bits clear)" },
	{ "limits-bindings.conf",
	  HRAS_OK "limits = { bindings = 0; };\n",
	  ":6: limits.bindings: 0 out of range 1..100000" },
	{ "limits-lookups.conf",
	  HRAS_OK "limits = { lookups = 257; };\n",
	  ":6: limits.lookups: 257 out of range 1..256" },
	{ "include.conf",
	  HRAS_DOMAINS "@include \"included.conf\"\n",
	  "/included.conf:2: sip.port: 0 out of range 1..65535" },
	{ "include-missing.conf",
	  HRAS_DOMAINS "@include \"nowhere.conf\"\n",
	  ":2: cannot open include file" },
};

static const struct bad_case hrac_bad[] = {
	{ "id-type.conf",
	  "id = 5;\n",
	  ":1: id: expected a string" },
	{ "secret-sample.conf",
	  "id = \"corp\";\nsecret = \"password\";\n",
	  ":2: secret: \"password\" is a sample, not a secret: make one with "
	  "\"openssl rand -base64 32\"" },
	{ "secret-weak.conf",
	  "id = \"corp\";\n\nsecret = \"correct horse battery staple\";\n",
	  ":3: secret: too easy to guess (about 90 bits, 128 needed): make "
	  "one with \"openssl rand -base64 32\"" },
	{ "server-scheme.conf",
	  HRAC_ID "server = \"ftp://198.51.100.10/\";\n",
	  ":3: server: \"ftp://198.51.100.10/\" is not an http:// or https:// "
	  "URL" },
	{ "server-port.conf",
	  HRAC_ID "server = \"http://198.51.100.10:0/\";\n",
	  ":3: server: \"http://198.51.100.10:0/\" is not an http:// or "
	  "https:// URL" },
	{ "server-user.conf",
	  HRAC_ID "server = \"https://corp:pw@hras.example/\";\n",
	  ":3: server: credentials belong in the secret, not the URL" },
	{ "proxy-tls.conf",
	  HRAC_ID HRAC_SERVER "proxy = \"https://10.77.0.1:3128\";\n",
	  ":4: proxy: \"https://10.77.0.1:3128\" is not "
	  "http://[user:pass@]host:port" },
	{ "proxy-path.conf",
	  HRAC_ID HRAC_SERVER "proxy = \"http://10.77.0.1:3128/x\";\n",
	  ":4: proxy: \"http://10.77.0.1:3128/x\" is not "
	  "http://[user:pass@]host:port" },
	{ "proxy-host.conf",
	  HRAC_ID HRAC_SERVER "proxy = \"http://user:pw@:3128\";\n",
	  ":4: proxy: \"http://user:pw@:3128\" is not "
	  "http://[user:pass@]host:port" },
	{ "missing-server.conf",
	  HRAC_ID HRAC_SIP HRAC_MEDIA,
	  ": missing required key \"server\"" },
	{ "mode.conf",
	  HRAC_OK "tunnel = { mode = \"fast\"; };\n",
	  ":6: tunnel.mode: expected one of \"auto\", \"stream\", \"poll\"" },
	{ "copies.conf",
	  HRAC_OK "tunnel = { copies = \"sometimes\"; };\n",
	  ":6: tunnel.copies: expected one of \"on-loss\", \"always\"" },
	{ "inside-calls.conf",
	  HRAC_OK "inside_calls = \"never\";\n",
	  ":6: inside_calls: expected one of \"local\", \"hras\", \"off\"" },
	{ "proxy-pac-not-auto.conf",
	  HRAC_OK "proxy = \"http://10.77.0.1:3128\";\n"
	  "proxy_pac = \"http://intranet/proxy.pac\";\n",
	  ": proxy_pac needs proxy = \"auto\"" },
	{ "proxy-pac-alone.conf",
	  HRAC_OK "proxy_pac = \"http://intranet/proxy.pac\";\n",
	  ": proxy_pac needs proxy = \"auto\"" },
	{ "proxy-pac-https.conf",
	  HRAC_OK "proxy = \"auto\";\n"
	  "proxy_pac = \"https://intranet/p.pac\";\n",
	  ":7: proxy_pac: expected an http:// URL or an absolute path" },
	{ "proxy-pac-relative.conf",
	  HRAC_OK "proxy = \"auto\";\n"
	  "proxy_pac = \"proxy.pac\";\n",
	  ":7: proxy_pac: expected an http:// URL or an absolute path" },
	{ "proxy-pac-url.conf",
	  HRAC_OK "proxy = \"auto\";\n"
	  "proxy_pac = \"http://:80/p.pac\";\n",
	  ":7: proxy_pac: \"http://:80/p.pac\" is not an http:// URL" },
	{ "proxy-pac-missing.conf",
	  HRAC_OK "proxy = \"auto\";\n"
	  "proxy_pac = \"/nonexistent/p.pac\";\n",
	  ":7: proxy_pac: cannot read \"/nonexistent/p.pac\": No such file "
	  "or directory" },
	{ "inside-proxy-name.conf",
	  HRAC_OK "inside_proxy = \"pbx.corp.example:5060\";\n",
	  ":6: inside_proxy: \"pbx.corp.example:5060\" is not address:port "
	  "with a numeric IPv4 address" },
	{ "inside-proxy-port.conf",
	  HRAC_OK "inside_proxy = \"10.77.0.5\";\n",
	  ":6: inside_proxy: \"10.77.0.5\" is not address:port "
	  "with a numeric IPv4 address" },
	{ "inside-proxy-domains.conf",
	  HRAC_OK "inside_proxy = \"10.77.0.5:5060\";\n",
	  ": inside_proxy needs domains, the company's SIP domains" },
	{ "inside-proxy-users.conf",
	  HRAC_OK "domains = [ \"corp.example\" ];\n"
	  "inside_proxy_users = \"^(1|2\";\n",
	  ":7: inside_proxy_users: \"^(1|2\" is not a POSIX extended regular "
	  "expression: Unmatched ( or \\(" },
	{ "domains-empty.conf",
	  HRAC_OK "domains = [ ];\n",
	  ":6: domains: must have at least 1 entry" },
	{ "domains-bad.conf",
	  HRAC_OK "domains = [ \"corp..example\" ];\n",
	  ":6: domains[0]: \"corp..example\" is not a valid domain name" },
	{ "get-age.conf",
	  HRAC_OK "tunnel = {\n  get_age = 5;\n};\n",
	  ":7: tunnel.get_age: 5 out of range 10..86400" },
	{ "queue-float.conf",
	  HRAC_OK "tunnel = { queue_max = 1.5e6; };\n",
	  ":6: tunnel.queue_max: expected an integer" },
	{ "batch-wait.conf",
	  HRAC_OK "tunnel = { batch_wait = 100001; };\n",
	  ":6: tunnel.batch_wait: 100001 out of range 0..100000" },
	{ "batch-bytes.conf",
	  HRAC_OK "tunnel = { batch_bytes = -1; };\n",
	  ":6: tunnel.batch_bytes: -1 out of range 0..16384" },
	{ "fingerprint.conf",
	  HRAC_OK "tls = { fingerprint = \"ab::cd\"; };\n",
	  ":6: tls.fingerprint: expected a SHA-256 fingerprint: 64 hex "
	  "digits, colons allowed" },
	{ "ca.conf",
	  HRAC_OK "tls = { ca = \"@DIR@/ca.pem\"; };\n",
	  ":6: tls.ca: cannot read \"@DIR@/ca.pem\": No such file or "
	  "directory" },
	{ "unknown.conf",
	  HRAC_OK "upstream = \"198.51.100.30:5060\";\n",
	  ":6: upstream: unknown key" },
	{ "transactions.conf",
	  HRAC_ID HRAC_SERVER HRAC_MEDIA
	  "sip = { address = \"10.77.0.2\"; transactions_max = 15; };\n",
	  ":5: sip.transactions_max: 15 out of range 16..1048576" },
	{ "user-dash.conf",
	  HRAC_OK "user = \"-vofw\";\n",
	  ":6: user: \"-vofw\" is not a user name" },
	{ "user-empty.conf",
	  HRAC_OK "user = \"\";\n",
	  ":6: user: \"\" is not a user name" },
	{ "user-chars.conf",
	  HRAC_OK "user = \"vo fw\";\n",
	  ":6: user: \"vo fw\" is not a user name" },
	{ "user-long.conf",
	  HRAC_OK "user = \"abcdefghijklmnopqrstuvwxyz0123456\";\n",
	  ":6: user: \"abcdefghijklmnopqrstuvwxyz0123456\" is not a user "
	  "name" },
	{ "sandbox.conf",
	  HRAC_OK "sandbox = 1;\n",
	  ":6: sandbox: expected true or false" },
	{ "proxy-auth-noproxy.conf",
	  HRAC_OK "proxy_auth = { method = \"ntlm\"; user = \"a\"; "
	  "password = \"b\"; };\n",
	  ": proxy_auth needs proxy, the proxy it authenticates to" },
	{ "proxy-auth-method.conf",
	  HRAC_OK HRAC_PROXY "proxy_auth = { method = \"digest\"; };\n",
	  ":7: proxy_auth.method: expected one of \"auto\", \"basic\", "
	  "\"ntlm\", \"negotiate\"" },
	{ "proxy-auth-nopass.conf",
	  HRAC_OK HRAC_PROXY "proxy_auth = { method = \"ntlm\";\n"
	  "  user = \"alice\"; };\n",
	  ":7: proxy_auth: method \"ntlm\" needs user and password" },
	{ "proxy-auth-nouser.conf",
	  HRAC_OK HRAC_PROXY "proxy_auth = { password = \"pw\"; };\n",
	  ":7: proxy_auth: proxy_auth.password needs proxy_auth.user" },
	{ "proxy-auth-twice.conf",
	  HRAC_OK "proxy = \"http://bob:pw@10.77.0.1:3128\";\n"
	  "proxy_auth = { user = \"alice\"; password = \"pw\"; };\n",
	  ":7: proxy_auth: the user is in proxy's URL and in proxy_auth.user: "
	  "give it in one place" },
	{ "proxy-auth-long.conf",
	  HRAC_OK HRAC_PROXY "proxy_auth = { user = \"alice\"; domain = \""
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "\"; };\n",
	  ":7: proxy_auth: proxy_auth.domain must have 1 to 127 bytes" },
};

/*
 * Copy a sample file into the temp dir as name, its placeholder secret
 * "change-me" replaced by a real one; path receives the copy's path.
 */
static void
tc_sample(const char *sample, const char *name, char *path, size_t len)
{
	char	 text[16384], *at;
	char	 out[sizeof(text) + 64];
	FILE	*f;
	size_t	 n;

	assert_non_null(f = fopen(sample, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	assert_true(n < sizeof(text) - 1);
	text[n] = '\0';
	assert_non_null(at = strstr(text, "\"change-me\""));
	*at = '\0';
	snprintf(out, sizeof(out), "%s\"%s\"%s", text, TC_SECRET,
	    at + strlen("\"change-me\""));
	assert_null(strstr(out, "\"change-me\""));
	tc_write(name, out);
	tc_path(name, path, len);
}

/* Build the path of a file in the temp dir. */
static const char *
tc_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

/* Write a file in the temp dir, replacing "@DIR@" by its path. */
static void
tc_write(const char *name, const char *text)
{
	char		 path[256];
	const char	*at;
	FILE		*f;

	f = fopen(tc_path(name, path, sizeof(path)), "w");
	assert_non_null(f);
	while ((at = strstr(text, "@DIR@")) != NULL) {
		fwrite(text, 1, at - text, f);
		fputs(tmpdir, f);
		text = at + 5;
	}
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Check that each case fails to load with exactly its message. */
static void
tc_bad(const struct bad_case *cases, size_t n, int hras)
{
	struct hras_config	*s;
	struct hrac_config	*c;
	char			 path[256], want[1024], err[CONFIG_ERRLEN];
	char			 error[512];
	const char		*at, *src;
	size_t			 i, o;

	for (i = 0; i < n; i++) {
		tc_write(cases[i].name, cases[i].text);
		tc_path(cases[i].name, path, sizeof(path));
		/* Expand "@DIR@" in the expected message too. */
		for (src = cases[i].error, o = 0;
		    (at = strstr(src, "@DIR@")) != NULL; src = at + 5)
			o += snprintf(error + o, sizeof(error) - o, "%.*s%s",
			    (int)(at - src), src, tmpdir);
		snprintf(error + o, sizeof(error) - o, "%s", src);
		if (cases[i].error[0] == '/')
			snprintf(want, sizeof(want), "%s%s", tmpdir, error);
		else
			snprintf(want, sizeof(want), "%s%s", path, error);
		err[0] = '\0';
		if (hras) {
			s = hras_config_load(path, err, sizeof(err));
			assert_null(s);
		} else {
			c = hrac_config_load(path, err, sizeof(err));
			assert_null(c);
		}
		assert_string_equal(err, want);
		unlink(path);
	}
}

/* Make the temp dir and the files some cases point at. */
static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vofw-test-config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	tc_write("cert.pem", "not really a certificate\n");
	tc_write("key.pem", "not really a key\n");
	tc_write("included.conf", "# included\nsip = { address = "
	    "\"198.51.100.10\"; port = 0; };\n");
	return 0;
}

/* Remove the temp dir and whatever a failed test left in it. */
static int
teardown(void **state)
{
	char		 path[512];
	DIR		*d;
	struct dirent	*e;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* The sample hras.conf loads with the values it shows and the defaults. */
static void
test_sample_hras(void **state)
{
	struct hras_config	*cfg;
	char			 err[CONFIG_ERRLEN] = "", path[256];

	(void)state;
	tc_sample("conf/hras.conf", "sample-hras.conf", path, sizeof(path));
	cfg = hras_config_load(path, err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_string_equal(cfg->file, path);
	assert_int_equal(cfg->ndomains, 1);
	assert_string_equal(cfg->domains[0], "corp.example");
	assert_string_equal(cfg->sip.address, "198.51.100.10");
	assert_int_equal(cfg->sip.port, 5060);
	assert_string_equal(cfg->media.address, "198.51.100.10");
	assert_int_equal(cfg->media.port_min, 20000);
	assert_int_equal(cfg->media.port_max, 29999);
	assert_int_equal(cfg->media.timeout, 30);
	assert_int_equal(cfg->timer_c, 180);
	assert_int_equal(cfg->media.streams_per_call, 4);
	assert_int_equal(cfg->media.streams_per_source, 256);
	assert_int_equal(cfg->media.streams_per_client, 1024);
	assert_int_equal(cfg->media.calls_per_client, 512);
	assert_string_equal(cfg->tunnel.address, "198.51.100.10");
	assert_int_equal(cfg->tunnel.port, 8080);
	assert_int_equal(cfg->keepalive, 15);
	assert_int_equal(cfg->dead_after, 45);
	assert_int_equal(cfg->queue_max, 1048576);
	assert_int_equal(cfg->batch_wait, 1000);
	assert_int_equal(cfg->batch_bytes, 512);
	assert_null(cfg->tls_cert);
	assert_null(cfg->tls_key);
	assert_int_equal(cfg->nclients, 1);
	assert_string_equal(cfg->clients[0].id, "corp");
	assert_string_equal(cfg->clients[0].secret, TC_SECRET);
	assert_int_equal(cfg->clients[0].ndomains, 1);
	assert_string_equal(cfg->clients[0].domains[0], "corp.example");
	assert_null(cfg->upstream);
	assert_null(cfg->dns_server);
	assert_int_equal(cfg->dns_timeout, 5);
	assert_int_equal(cfg->limits.requests, 16);
	assert_int_equal(cfg->limits.window, 2);
	assert_int_equal(cfg->limits.ban, 300);
	assert_int_equal(cfg->limits.sources, 65536);
	assert_int_equal(cfg->limits.nallow, 0);
	assert_int_equal(cfg->limits.bindings, 1000);
	assert_int_equal(cfg->limits.lookups, 32);
	assert_int_equal(cfg->log_debug, 0);
	assert_int_equal(cfg->hook.enabled, 0);
	assert_string_equal(cfg->user, "vofw");
	assert_int_equal(cfg->sandbox, 1);
	hras_config_free(cfg);
}

/* The sample hrac.conf loads with the values it shows and the defaults. */
static void
test_sample_hrac(void **state)
{
	struct hrac_config	*cfg;
	char			 err[CONFIG_ERRLEN] = "", path[256];

	(void)state;
	tc_sample("conf/hrac.conf", "sample-hrac.conf", path, sizeof(path));
	cfg = hrac_config_load(path, err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_string_equal(cfg->id, "corp");
	assert_string_equal(cfg->secret, TC_SECRET);
	assert_string_equal(cfg->server, "http://198.51.100.10:8080/");
	assert_null(cfg->proxy);
	assert_null(cfg->tls_ca);
	assert_null(cfg->tls_fingerprint);
	assert_string_equal(cfg->sip.address, "10.77.0.2");
	assert_int_equal(cfg->sip.port, 5060);
	assert_string_equal(cfg->media.address, "10.77.0.2");
	assert_int_equal(cfg->media.port_min, 20000);
	assert_int_equal(cfg->media.port_max, 29999);
	assert_int_equal(cfg->media.timeout, 30);
	assert_int_equal(cfg->timer_c, 180);
	assert_int_equal(cfg->mode, TUNNEL_MODE_AUTO);
	assert_int_equal(cfg->lanes, 2);
	assert_int_equal(cfg->copies, LANES_COPY_ON_LOSS);
	assert_int_equal(cfg->inside_calls, INSIDE_CALLS_LOCAL);
	assert_null(cfg->inside_proxy);
	assert_null(cfg->inside_proxy_users);
	assert_int_equal(cfg->ndomains, 0);
	assert_int_equal(cfg->dead_after, 45);
	assert_int_equal(cfg->get_age, 240);
	assert_int_equal(cfg->backoff_max, 30);
	assert_int_equal(cfg->queue_max, 1048576);
	assert_int_equal(cfg->batch_wait, 1000);
	assert_int_equal(cfg->batch_bytes, 512);
	assert_int_equal(cfg->log_debug, 0);
	assert_int_equal(cfg->hook.enabled, 0);
	assert_string_equal(cfg->user, "vofw");
	assert_int_equal(cfg->sandbox, 1);
	assert_int_equal(cfg->sip_transactions, 4096);
	hrac_config_free(cfg);
}

/* Every optional hras key is read, and clients are found by id. */
static void
test_hras_full(void **state)
{
	struct hras_config		*cfg;
	const struct config_client	*c;
	char				 path[256], err[CONFIG_ERRLEN] = "";

	(void)state;
	tc_write("good.conf",
	    "domains = [ \"corp.example\", \"b.example\" ];\n"
	    "sip = { address = \"2001:db8::10\"; };\n"
	    "media = { address = \"198.51.100.10\"; port_min = 40000;"
	    " port_max = 40001; timeout = 5; };\n"
	    "tunnel = { address = \"0.0.0.0\"; port = 443; keepalive = 1;"
	    " timeout = 2000; queue_max = 65536; batch_wait = 0;\n"
	    "  tls = { cert = \"@DIR@/cert.pem\"; key = \"@DIR@/key.pem\"; };"
	    " };\n"
	    "clients = ( { id = \"corp\"; secret = \"" TC_SECRET "\";"
	    " domains = [ \"corp.example\" ]; },\n"
	    "  { id = \"B_2.x-y\"; secret = \"" TC_SECRET2 "\";"
	    " domains = [ \"B.example\" ]; } );\n"
	    "upstream = \"[2001:db8::30]:5070\";\n"
	    "dns = { server = \"[2001:db8::53]:5353\"; timeout = 2; };\n"
	    "log = { debug = true; };\n"
	    "limits = { requests = 100; window = 10; ban = 60;"
	    " sources = 1024;\n"
	    "  allow = [ \"203.0.113.0/24\", \"2001:db8::/32\","
	    " \"198.51.100.14\" ];\n"
	    "  bindings = 5; lookups = 3; };\n"
	    "hook = { listen = { address = \"127.0.0.1\"; port = 7000; };\n"
	    "  forward = { address = \"::1\"; port = 7001; }; };\n");
	cfg = hras_config_load(tc_path("good.conf", path, sizeof(path)), err,
	    sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_int_equal(cfg->ndomains, 2);
	assert_string_equal(cfg->domains[1], "b.example");
	assert_string_equal(cfg->sip.address, "2001:db8::10");
	assert_int_equal(cfg->sip.port, 5060);
	assert_int_equal(cfg->media.port_min, 40000);
	assert_int_equal(cfg->media.port_max, 40001);
	assert_int_equal(cfg->media.timeout, 5);
	assert_int_equal(cfg->tunnel.port, 443);
	assert_int_equal(cfg->keepalive, 1);
	assert_int_equal(cfg->dead_after, 2000);
	assert_int_equal(cfg->queue_max, 65536);
	assert_int_equal(cfg->batch_wait, 0);
	assert_int_equal(cfg->batch_bytes, 512);
	snprintf(path, sizeof(path), "%s/cert.pem", tmpdir);
	assert_string_equal(cfg->tls_cert, path);
	snprintf(path, sizeof(path), "%s/key.pem", tmpdir);
	assert_string_equal(cfg->tls_key, path);
	assert_int_equal(cfg->nclients, 2);
	assert_string_equal(cfg->upstream, "[2001:db8::30]:5070");
	assert_string_equal(cfg->dns_server, "[2001:db8::53]:5353");
	assert_int_equal(cfg->dns_timeout, 2);
	assert_int_equal(cfg->log_debug, 1);
	assert_int_equal(cfg->limits.requests, 100);
	assert_int_equal(cfg->limits.window, 10);
	assert_int_equal(cfg->limits.ban, 60);
	assert_int_equal(cfg->limits.sources, 1024);
	assert_int_equal(cfg->limits.nallow, 3);
	assert_string_equal(cfg->limits.allow[1], "2001:db8::/32");
	assert_int_equal(cfg->limits.bindings, 5);
	assert_int_equal(cfg->limits.lookups, 3);
	assert_int_equal(cfg->hook.enabled, 1);
	assert_string_equal(cfg->hook.listen.address, "127.0.0.1");
	assert_int_equal(cfg->hook.listen.port, 7000);
	assert_string_equal(cfg->hook.forward.address, "::1");
	assert_int_equal(cfg->hook.forward.port, 7001);

	c = hras_config_client(cfg, "B_2.x-y");
	assert_non_null(c);
	assert_ptr_equal(c, &cfg->clients[1]);
	assert_string_equal(c->secret, TC_SECRET2);
	assert_int_equal(c->ndomains, 1);
	assert_string_equal(c->domains[0], "B.example");
	assert_ptr_equal(hras_config_client(cfg, "corp"), &cfg->clients[0]);
	assert_null(hras_config_client(cfg, "Corp"));
	assert_null(hras_config_client(cfg, ""));
	hras_config_free(cfg);
	hras_config_free(NULL);
}

/* The connection limits: their defaults, and every key read when set. */
static void
test_limits(void **state)
{
	struct hras_config	*cfg;
	struct hrac_config	*ccfg;
	char			 path[256], err[CONFIG_ERRLEN] = "";

	(void)state;
	tc_write("limits-default.conf", HRAS_OK);
	cfg = hras_config_load(tc_path("limits-default.conf", path,
	    sizeof(path)), err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_int_equal(cfg->conns_max, 1024);
	assert_int_equal(cfg->unauth_max, 256);
	assert_int_equal(cfg->conns_per_address, 32);
	assert_int_equal(cfg->head_timeout, 10);
	assert_int_equal(cfg->body_timeout, 30);
	assert_int_equal(cfg->sip_tcp.conns_max, 1024);
	assert_int_equal(cfg->sip_tcp.per_address, 32);
	assert_int_equal(cfg->sip_tcp.out_max, 1024);
	assert_int_equal(cfg->sip_tcp.idle, 300);
	assert_int_equal(cfg->sip_tcp.first_timeout, 10);
	assert_int_equal(cfg->log_limit_lines, 10);
	assert_int_equal(cfg->log_limit_interval, 60);
	hras_config_free(cfg);

	tc_write("limits.conf", HRAS_DOMAINS
	    "sip = { address = \"198.51.100.10\"; tcp = { conns_max = 50;"
	    " conns_per_address = 5; outgoing_max = 60; idle = 120;"
	    " first_timeout = 3; }; };\n" HRAS_MEDIA
	    "tunnel = { address = \"198.51.100.10\"; port = 8080;"
	    " conns_max = 100; unauth_max = 100; conns_per_address = 4;"
	    " head_timeout = 5; body_timeout = 7; };\n" HRAS_CLIENTS
	    "log = { limit_lines = 3; limit_interval = 20; };\n");
	cfg = hras_config_load(tc_path("limits.conf", path, sizeof(path)),
	    err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_int_equal(cfg->conns_max, 100);
	assert_int_equal(cfg->unauth_max, 100);
	assert_int_equal(cfg->conns_per_address, 4);
	assert_int_equal(cfg->head_timeout, 5);
	assert_int_equal(cfg->body_timeout, 7);
	assert_int_equal(cfg->sip_tcp.conns_max, 50);
	assert_int_equal(cfg->sip_tcp.per_address, 5);
	assert_int_equal(cfg->sip_tcp.out_max, 60);
	assert_int_equal(cfg->sip_tcp.idle, 120);
	assert_int_equal(cfg->sip_tcp.first_timeout, 3);
	assert_int_equal(cfg->log_limit_lines, 3);
	assert_int_equal(cfg->log_limit_interval, 20);
	hras_config_free(cfg);

	tc_write("limits-hrac.conf", HRAC_ID HRAC_SERVER
	    "sip = { address = \"10.77.0.2\"; tcp = { conns_per_address = 9;"
	    " }; };\n" HRAC_MEDIA);
	ccfg = hrac_config_load(tc_path("limits-hrac.conf", path,
	    sizeof(path)), err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(ccfg);
	assert_int_equal(ccfg->sip_tcp.per_address, 9);
	assert_int_equal(ccfg->sip_tcp.conns_max, 1024);
	assert_int_equal(ccfg->sip_tcp.first_timeout, 10);
	assert_int_equal(ccfg->log_limit_lines, 10);
	hrac_config_free(ccfg);
}

/* Every optional hrac key is read; the fingerprint is normalised. */
static void
test_hrac_full(void **state)
{
	struct hrac_config	*cfg;
	char			 path[256], err[CONFIG_ERRLEN] = "";

	(void)state;
	tc_write("good.conf", HRAC_ID
	    "server = \"https://hras.example\";\n"
	    "proxy = \"http://me:p%40ss@10.77.0.1:3128\";\n"
	    "proxy_auth = { method = \"negotiate\"; domain = \"CORP\"; };\n"
	    "tls = { ca = \"@DIR@/cert.pem\"; fingerprint = "
	    "\"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\"; };\n"
	    HRAC_SIP HRAC_MEDIA
	    "tunnel = { mode = \"poll\"; timeout = 3; get_age = 10;"
	    " backoff_max = 600; queue_max = 67108864; batch_wait = 100000;"
	    " batch_bytes = 16384; lanes = 1; copies = \"always\"; };\n"
	    "inside_calls = \"hras\";\n"
	    "domains = [ \"corp.example\", \"b.example\" ];\n"
	    "inside_proxy = \"10.77.0.5:5080\";\n"
	    "user = \"_vofw-2.x\";\nsandbox = false;\n"
	    "inside_proxy_users = \"^[0-9]{3,4}$\";\n"
	    "hook = { listen = { address = \"127.0.0.1\"; port = 7001; };\n"
	    "  forward = { address = \"127.0.0.1\"; port = 7000; }; };\n");
	cfg = hrac_config_load(tc_path("good.conf", path, sizeof(path)), err,
	    sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_string_equal(cfg->server, "https://hras.example");
	assert_string_equal(cfg->proxy, "http://me:p%40ss@10.77.0.1:3128");
	assert_int_equal(cfg->proxy_auth_set, 1);
	assert_int_equal(cfg->proxy_auth_method, PROXY_AUTH_NEGOTIATE);
	assert_null(cfg->proxy_auth_user);
	assert_string_equal(cfg->proxy_auth_domain, "CORP");
	assert_string_equal(cfg->tls_fingerprint,
	    "abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789");
	assert_int_equal(cfg->mode, TUNNEL_MODE_POLL);
	assert_int_equal(cfg->lanes, 1);
	assert_int_equal(cfg->copies, LANES_COPY_ALWAYS);
	assert_int_equal(cfg->inside_calls, INSIDE_CALLS_HRAS);
	assert_string_equal(cfg->inside_proxy, "10.77.0.5:5080");
	assert_string_equal(cfg->user, "_vofw-2.x");
	assert_int_equal(cfg->sandbox, 0);
	assert_string_equal(cfg->inside_proxy_users, "^[0-9]{3,4}$");
	assert_int_equal(cfg->ndomains, 2);
	assert_string_equal(cfg->domains[1], "b.example");
	assert_int_equal(cfg->dead_after, 3);
	assert_int_equal(cfg->get_age, 10);
	assert_int_equal(cfg->backoff_max, 600);
	assert_int_equal(cfg->queue_max, 67108864);
	assert_int_equal(cfg->batch_wait, 100000);
	assert_int_equal(cfg->batch_bytes, 16384);
	assert_int_equal(cfg->hook.enabled, 1);
	assert_int_equal(cfg->hook.forward.port, 7000);
	hrac_config_free(cfg);
	hrac_config_free(NULL);
}

/* The samples as shipped are refused: "change-me" is to be replaced. */
static void
test_samples_refused(void **state)
{
	char	 err[CONFIG_ERRLEN];

	(void)state;
	assert_null(hras_config_load("conf/hras.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "conf/hras.conf:"));
	assert_non_null(strstr(err, ": clients[0].secret: \"change-me\" is a "
	    "sample, not a secret: make one with \"openssl rand -base64 "
	    "32\""));
	assert_null(hrac_config_load("conf/hrac.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "conf/hrac.conf:"));
	assert_non_null(strstr(err, ": secret: \"change-me\" is a sample"));
}

/*
 * The entropy estimate: random strings as openssl makes them score well
 * above 128 bits; words, patterns, repeats and short strings well below.
 */
static void
test_secret_bits(void **state)
{
	static const char *const strong[] = {
		TC_SECRET, TC_SECRET2,
		"p5DoKvuoGPKnWiVJGAioxdAcIKwoKC9CwwwcGRKaqoo=",
		"41b732e28fd45e4814ac3dd67f6c40c27e46cc00e464c4c280bf39974fe7fe91",
		"5bb54f8397f66b9249ce3543ceffca556f714677737c1feef9ce344875195568",
		"C395B8B17538CE3D42EA8526980CB859A54CB0D3FDE34F3ED805B8CD6C1A46AF",
	};
	static const char *const weak[] = {
		"", "=", "change-me", "password", "s3cret", "testbed-secret-1",
		"correct horse battery staple",
		"correcthorsebatterystaplecorrecthorsebatterystaple",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789",
		"Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"0123456789012345678901234567890123456789",
		"4Y4NRAu9YC01pP+4xkyHYw==",	/* 128 random bits, too short */
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(strong) / sizeof(strong[0]); i++)
		assert_in_range(config_secret_bits(strong[i]), 160, 400);
	for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
		assert_in_range(config_secret_bits(weak[i]), 0, 100);
	/* Hex counts 4 bits a digit at most, whatever its case. */
	assert_true(config_secret_bits("0123456789abcdef") <= 64);
	assert_true(config_secret_bits("0123456789ABCDEF") <= 64);
}

/* A secret longer than CONFIG_SECRET_MAX is refused. */
static void
test_secret_long(void **state)
{
	char	 text[CONFIG_SECRET_MAX + 256], err[CONFIG_ERRLEN];
	char	 path[256], want[512];
	size_t	 n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "id = \"corp\";\nsecret = \"");
	memset(text + n, 'x', CONFIG_SECRET_MAX + 1);
	snprintf(text + n + CONFIG_SECRET_MAX + 1, sizeof(text) - n -
	    CONFIG_SECRET_MAX - 1, "\";\n");
	tc_write("secret-long.conf", text);
	tc_path("secret-long.conf", path, sizeof(path));
	assert_null(hrac_config_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: secret: longer than %d bytes",
	    path, CONFIG_SECRET_MAX);
	assert_string_equal(err, want);
}

/* proxy = "auto", alone or with a PAC file's URL or path. */
static void
test_hrac_auto(void **state)
{
	struct hrac_config	*cfg;
	char			 path[256], err[CONFIG_ERRLEN] = "";

	(void)state;
	tc_write("auto.conf", HRAC_OK "proxy = \"auto\";\n");
	cfg = hrac_config_load(tc_path("auto.conf", path, sizeof(path)), err,
	    sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_string_equal(cfg->proxy, "auto");
	assert_null(cfg->proxy_pac);
	hrac_config_free(cfg);
	tc_write("auto-url.conf", HRAC_OK "proxy = \"auto\";\n"
	    "proxy_pac = \"http://intranet.corp.example:8080/p.pac\";\n");
	cfg = hrac_config_load(tc_path("auto-url.conf", path, sizeof(path)),
	    err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	assert_string_equal(cfg->proxy_pac,
	    "http://intranet.corp.example:8080/p.pac");
	hrac_config_free(cfg);
	tc_write("auto-path.conf", HRAC_OK "proxy = \"auto\";\n"
	    "proxy_pac = \"@DIR@/auto.conf\";\n");
	cfg = hrac_config_load(tc_path("auto-path.conf", path, sizeof(path)),
	    err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(cfg);
	hrac_config_free(cfg);
}

/* Each bad hras file is refused with file, line and reason. */
static void
test_hras_bad(void **state)
{
	(void)state;
	tc_bad(hras_bad, sizeof(hras_bad) / sizeof(hras_bad[0]), 1);
}

/* Each bad hrac file is refused with file, line and reason. */
static void
test_hrac_bad(void **state)
{
	(void)state;
	tc_bad(hrac_bad, sizeof(hrac_bad) / sizeof(hrac_bad[0]), 0);
}

/* A file that cannot be read is named with the system's reason. */
static void
test_no_file(void **state)
{
	char	 path[256], want[512], err[CONFIG_ERRLEN];

	(void)state;
	tc_path("absent.conf", path, sizeof(path));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_null(hras_config_load(path, err, sizeof(err)));
	assert_string_equal(err, want);
	assert_null(hrac_config_load(path, err, sizeof(err)));
	assert_string_equal(err, want);
}

/* Good URLs are split into their parts, with default ports and path. */
static void
test_url_good(void **state)
{
	struct config_url	 u;

	(void)state;
	assert_int_equal(config_parse_url("http://198.51.100.10:8080/", &u),
	    0);
	assert_int_equal(u.tls, 0);
	assert_string_equal(u.host, "198.51.100.10");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/");
	assert_string_equal(u.user, "");
	assert_string_equal(u.pass, "");

	assert_int_equal(config_parse_url("https://hras.corp.example", &u), 0);
	assert_int_equal(u.tls, 1);
	assert_string_equal(u.host, "hras.corp.example");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/");

	assert_int_equal(config_parse_url("HTTP://Host-1.Example/", &u), 0);
	assert_int_equal(u.tls, 0);
	assert_string_equal(u.host, "Host-1.Example");
	assert_int_equal(u.port, 80);

	assert_int_equal(config_parse_url(
	    "http://[2001:db8::1]:65535/vofw/t?x=1", &u), 0);
	assert_string_equal(u.host, "2001:db8::1");
	assert_int_equal(u.port, 65535);
	assert_string_equal(u.path, "/vofw/t?x=1");

	assert_int_equal(config_parse_url("https://[::1]/", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 443);

	assert_int_equal(config_parse_url("http://me:p%40ss:w@10.77.0.1:3128",
	    &u), 0);
	assert_string_equal(u.user, "me");
	assert_string_equal(u.pass, "p@ss:w");
	assert_string_equal(u.host, "10.77.0.1");
	assert_int_equal(u.port, 3128);
	assert_string_equal(u.path, "/");

	assert_int_equal(config_parse_url("http://only@proxy:1", &u), 0);
	assert_string_equal(u.user, "only");
	assert_string_equal(u.pass, "");
	assert_string_equal(u.host, "proxy");
	assert_int_equal(u.port, 1);
}

/* Bad URLs are refused and leave no half-filled result behind. */
static void
test_url_bad(void **state)
{
	static const char *const bad[] = {
		"", "198.51.100.10:8080", "ftp://host/", "http:/host/",
		"http://", "http:///", "http://host:/", "http://host:0/",
		"http://host:65536/", "http://host:080000/", "http://host:8x/",
		"http://host:+80/", "http://host:-1/", "http://ho st/",
		"http://host/a b", "http://host/\t", "http://h\001st/",
		"http://h\303\266st/", "http://[::1/", "http://[zz::1]/",
		"http://::1/", "http://[::1]x/", "http://host?x=1",
		"http://host#f", "http://host/#f", "http://:pw@host/",
		"http://@host/", "http://a@b@host/", "http://%zz@host/",
		"http://u%0@host/", "http://u%00@host/", "http://-h.example/",
		"http://h-.example/", "http://a..b/", "http://256.1.1.1/",
		"http://1.2.3/", "http://user:pw@/",
	};
	struct config_url	 u;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&u, 'x', sizeof(u));
		if (config_parse_url(bad[i], &u) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_string_equal(u.host, "");
	}
	assert_int_equal(config_parse_url(NULL, &u), -1);
}

/* host:port is split, with IPv6 in brackets and the port required. */
static void
test_hostport(void **state)
{
	static const char *const bad[] = {
		"host", "host:", ":5060", "host:0", "host:99999", "host:5060x",
		"2001:db8::1:5060", "[2001:db8::1]", "[::1]:", "a b:1",
		"host:+1",
	};
	char		 host[256];
	uint16_t	 port;
	size_t		 i;

	(void)state;
	assert_int_equal(config_parse_hostport("198.51.100.30:5060", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "198.51.100.30");
	assert_int_equal(port, 5060);
	assert_int_equal(config_parse_hostport("[2001:db8::1]:5070", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(port, 5070);
	assert_int_equal(config_parse_hostport("sip.example:1", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "sip.example");
	assert_int_equal(port, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (config_parse_hostport(bad[i], host, sizeof(host),
		    &port) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_hras),
		cmocka_unit_test(test_sample_hrac),
		cmocka_unit_test(test_hras_full),
		cmocka_unit_test(test_hrac_full),
		cmocka_unit_test(test_samples_refused),
		cmocka_unit_test(test_secret_bits),
		cmocka_unit_test(test_secret_long),
		cmocka_unit_test(test_hras_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hrac_bad),
		cmocka_unit_test(test_hrac_auto),
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_url_good),
		cmocka_unit_test(test_url_bad),
		cmocka_unit_test(test_hostport),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
