/*
 * hras, the outside half: the domain's SIP proxy as the world sees it and
 * the server end of every client's HTTP tunnel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "hook.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "metrics.h"
#include "media.h"
#include "net.h"
#include "notify.h"
#include "siptr.h"
#include "tls.h"
#include "tunnel.h"
#include "vcit.h"

static void	hras_reload(void *);
static void	hras_reload_refused(const char *);
static void	hras_status(void *, char *, size_t);
static int	hras_check(const struct hras_config *);
static void	hras_stop(void *);
static void	hras_deliver_sip(void *, const char *, uint32_t,
		    const uint8_t *, size_t);
static void	hras_deliver_media(void *, const char *, unsigned int, uint32_t,
		    const uint8_t *, size_t);
static void	hras_voice_dropped(void *, uint32_t);
static void	hras_work(void *, struct pace_work *);

static struct hras	hras;

/*
 * SIGHUP: read the file again and swap it in if it is good, with systemd
 * told RELOADING=1 then READY=1 either way; a refused file (or a TLS
 * certificate and key that do not load) leaves the old configuration
 * running, says why at error priority and in STATUS=. A new certificate
 * serves new handshakes; live tunnels keep theirs. A client removed, or
 * whose secret changed, has its tunnel closed.
 */
static void
hras_reload(void *arg)
{
	struct hras		*h = arg;
	struct hras_config	*conf;
	struct hras_session	*s, *next;
	const struct config_client *cl, *old;
	SSL_CTX			*ssl = NULL;
	char			 err[CONFIG_ERRLEN];

	notify_reloading();
	if ((conf = hras_config_load(h->conf->file, err, sizeof(err))) ==
	    NULL) {
		hras_reload_refused(err);
		return;
	}
	if ((conf->tls_cert != NULL) != (h->ssl != NULL))
		log_warnx("reload: turning tunnel TLS on or off needs a "
		    "restart");
	else if (conf->tls_cert != NULL && (ssl = tls_server_ctx(conf->tls_cert,
	    conf->tls_key, err, sizeof(err))) == NULL) {
		hras_config_free(conf);
		hras_reload_refused(err);
		return;
	}
	if (strcmp(conf->tunnel.address, h->conf->tunnel.address) != 0 ||
	    conf->tunnel.port != h->conf->tunnel.port)
		log_warnx("reload: tunnel address change needs a restart");
	if (conf->dns_timeout != h->conf->dns_timeout ||
	    (conf->dns_server == NULL) != (h->conf->dns_server == NULL) ||
	    (conf->dns_server != NULL &&
	    strcmp(conf->dns_server, h->conf->dns_server) != 0))
		log_warnx("reload: dns change needs a restart");
	if (config_relay_moved(&h->conf->sip, &h->conf->media, &conf->sip,
	    &conf->media))
		log_warnx("reload: SIP or media address change needs a restart");
	if (conf->log_syslog != h->conf->log_syslog)
		log_warnx("reload: log.syslog change needs a restart");
	if (metrics_moved(h->conf->metrics_on, &h->conf->metrics, conf->metrics_on,
	    &conf->metrics))
		log_warnx("reload: metrics change needs a restart");
	if (config_privs_changed(h->conf->user, h->conf->sandbox, conf->user,
	    conf->sandbox))
		log_warnx("reload: user or sandbox change needs a restart");
	if (ssl != NULL) {
		/* Each live connection's SSL holds a reference to the old. */
		SSL_CTX_free(h->ssl);
		h->ssl = ssl;
		log_info("reload: tunnel certificate %s loaded",
		    conf->tls_cert);
	}
	media_set_timeout(h->media, conf->media.timeout);
	siptr_set_limits(h->sip, &conf->sip_tcp);
	call_configure(&h->calls, &conf->media, conf->timer_c);
	hras_limit_reload(h, conf);
	for (s = TAILQ_FIRST(&h->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		old = hras_config_client(h->conf, s->id);
		if ((cl = hras_config_client(conf, s->id)) == NULL)
			hras_session_revoke(h, s->id, "client removed from the "
			    "configuration");
		else if (old == NULL || strcmp(cl->secret, old->secret) != 0)
			hras_session_revoke(h, s->id,
			    "client's secret changed");
		else {
			tunnel_set_batch(s->tun, conf->batch_bytes);
			tunnel_set_batch_wait(s->tun, conf->batch_wait);
		}
	}
	pace_set(&h->pace, conf->batch_wait, conf->batch_bytes);
	log_set_debug(conf->log_debug);
	log_limit_set((unsigned int)conf->log_limit_lines,
	    (unsigned int)conf->log_limit_interval);
	hras_config_free(h->conf);
	h->conf = conf;
	log_info("configuration reloaded from %s", conf->file);
	notify_reloaded(NULL);
}

/* A reload refused: the old configuration stays; say so everywhere. */
static void
hras_reload_refused(const char *why)
{
	log_errx("reload refused, keeping the running configuration: %s",
	    why);
	notify_reloaded(why);
}

/* systemd's STATUS= line: "2 tunnels, 14 calls, 31 registrations". */
static void
hras_status(void *arg, char *buf, size_t len)
{
	struct hras		*h = arg;
	struct hras_session	*s;
	unsigned int		 up = 0;
	size_t			 calls;

	TAILQ_FOREACH(s, &h->sessions, entry)
		if (s->connected)
			up++;
	calls = h->vcit != NULL ? vcit_count(h->vcit) : 0;
	snprintf(buf, len, "%u tunnel%s, %zu call%s, %u registration%s", up,
	    up == 1 ? "" : "s", calls, calls == 1 ? "" : "s", h->nbindings,
	    h->nbindings == 1 ? "" : "s");
}

/*
 * -n: beyond the file itself, the TLS certificate and key load and match,
 * and every address hras binds is one of this machine's. Each failure is
 * a line on stderr; 0 when there was none.
 */
static int
hras_check(const struct hras_config *conf)
{
	const struct config_endpoint	*ep[4];
	const char			*key[4];
	SSL_CTX				*ssl;
	char				 err[CONFIG_ERRLEN];
	size_t				 i, n = 0;
	int				 bad = 0;

	if (conf->tls_cert != NULL) {
		if ((ssl = tls_server_ctx(conf->tls_cert, conf->tls_key, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "%s: %s\n", conf->file, err);
			bad = 1;
		}
		SSL_CTX_free(ssl);
	}
	key[n] = "tunnel.address";
	ep[n++] = &conf->tunnel;
	key[n] = "sip.address";
	ep[n++] = &conf->sip;
	if (conf->hook.enabled) {
		key[n] = "hook.listen.address";
		ep[n++] = &conf->hook.listen;
	}
	for (i = 0; i < n; i++)
		bad |= net_check_local(conf->file, key[i], ep[i]->address);
	bad |= net_check_local(conf->file, "media.address",
	    conf->media.address);
	if (conf->metrics_on && conf->metrics.address != NULL)
		bad |= net_check_local(conf->file, "metrics.address",
		    conf->metrics.address);
	return bad ? -1 : 0;
}

/* A SIP record from a client's tunnel goes to the proxy. */
static void
hras_deliver_sip(void *arg, const char *client, uint32_t flow,
    const uint8_t *data, size_t len)
{
	hras_sip_from_tunnel(arg, client, flow, data, len);
}

/* An RTP or RTCP record from a client's tunnel goes to its call's relay. */
static void
hras_deliver_media(void *arg, const char *client, unsigned int type,
    uint32_t flow, const uint8_t *data, size_t len)
{
	hras_media_from_tunnel(arg, client, type, flow, data, len);
}

/* SIGTERM/SIGINT: leave the loop; main tears everything down. */
static void
hras_stop(void *arg)
{
	struct hras	*h = arg;

	log_info("shutting down");
	notify_stopping();
	event_base_loopexit(h->base, NULL);
}

/* Voice the tunnel threw away counts against its call's figures. */
static void
hras_voice_dropped(void *arg, uint32_t flow)
{
	struct hras	*h = arg;

	call_tunnel_dropped(&h->calls, flow);
}

int
main(int argc, char *argv[])
{
	struct daemon_args	 args;
	struct daemon_signals	*sig;
	struct hras_session_cb	 cb = { 0 };
	char			 err[CONFIG_ERRLEN];
	struct hras		*h = &hras;
	int			 rc;

	if ((rc = daemon_parse_args(argc, argv, "/etc/vofw/hras.conf",
	    &args)) != DAEMON_RUN)
		return rc;
	if (args.doctor) {
		fprintf(stderr, "hras: -T is hrac's path doctor; run it on the "
		    "hrac side\n");
		return 2;
	}
	log_init("hras", 0, args.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if ((h->conf = hras_config_load(args.conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (args.command != NULL) {
		rc = hras_ctl_client(h->conf, &args);
		hras_config_free(h->conf);
		return rc;
	}
	if (args.check_only) {
		rc = hras_check(h->conf);
		if (rc == 0)
			printf("configuration OK\n");
		hras_config_free(h->conf);
		return rc == 0 ? 0 : 1;
	}
	if (h->conf->log_syslog && !args.debug)
		log_init("hras", 1, LOG_LEVEL_INFO);
	log_set_debug(h->conf->log_debug);
	log_limit_set((unsigned int)h->conf->log_limit_lines,
	    (unsigned int)h->conf->log_limit_interval);
	TAILQ_INIT(&h->links);
	TAILQ_INIT(&h->unauth);
	TAILQ_INIT(&h->sessions);
	if ((h->base = daemon_event_base()) == NULL)
		fatalx("cannot create the event loop");
	if ((sig = daemon_signals_init(h->base, hras_reload, hras_stop, h)) ==
	    NULL)
		fatalx("cannot set up signal handling");
	daemon_raise_nofile();
	sip_init();
	pace_init(&h->pace, hras_work, h);
	pace_set(&h->pace, h->conf->batch_wait, h->conf->batch_bytes);
	cb.sip = hras_deliver_sip;
	cb.media = hras_deliver_media;
	cb.dropped = hras_voice_dropped;
	cb.arg = h;
	hras_sessions_init(h, &cb);
	if (hras_link_listen(h) == -1)
		fatalx("cannot open the tunnel listener");
	if (hras_sip_init(h) == -1)
		fatalx("cannot open the SIP listeners and media relay");
	if (h->conf->hook.enabled &&
	    (h->hook = hook_new(h->base, &h->conf->hook, hras_hook_send, h)) ==
	    NULL)
		fatalx("cannot open the hook");
	h->ctl = hras_ctl_new(h);
	if (h->conf->metrics_on &&
	    (h->metrics = hras_metrics_new(h)) == NULL)
		fatalx("cannot open the metrics endpoint");
	/* Every socket and file is open: give up root, then most calls. */
	if (daemon_drop_privileges(h->conf->user != NULL ? h->conf->user :
	    CONFIG_USER) == -1)
		fatalx("cannot drop privileges");
	if (daemon_sandbox(h->conf->sandbox) == -1)
		fatalx("cannot enter the sandbox");
	if (notify_init(h->base, hras_status, h) == -1)
		fatalx("cannot set up the systemd notification");
	log_info("hras %s started", VOFW_VERSION);
	notify_ready();
	if (pace_loop(h->base, &h->pace) == -1)
		log_warnx("stopping");

	notify_free();
	metrics_free(h->metrics);
	ctl_free(h->ctl);
	hook_free(h->hook);
	hras_sip_free(h);
	hras_link_close_all(h);
	hras_sessions_free(h);
	daemon_signals_free(sig);
	event_base_free(h->base);
	hras_config_free(h->conf);
	log_info("stopped");
	return 0;
}

/* The datagrams the relay carried so far, both ways: the loop's load. */
static void
hras_work(void *arg, struct pace_work *w)
{
	struct hras			*h = arg;
	const struct media_stats	*ms;

	w->packets = w->bytes = 0;
	if (h->media == NULL)
		return;
	ms = media_stats(h->media);
	w->packets = ms->rx_packets + ms->tx_packets;
	w->bytes = ms->rx_bytes + ms->tx_bytes;
}
