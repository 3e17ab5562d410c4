/*
 * A Kafka-protocol cluster for tests: librdkafka's in-memory mock cluster (no Kafka broker is
 * packaged for Debian or npm, see shared/INFRA.md "Kafka protocol here").
 *
 *   kafka-mock [-b BROKERS] topic:partitions ...
 *
 * Pre-creates the topics, prints "BOOTSTRAP host:port,..." as one line on stdout, then waits
 * for SIGTERM/SIGINT (or the death of the parent process) and destroys the cluster.
 *
 * Fault injection for tests, one command per stdin line, each answered by one stdout line:
 *   errors <ApiKey> <err>[,<err>...]   the next requests of that API get these error codes,
 *                                      one each, from whichever client asks first
 *                                      → "OK" or "ERROR <why>"
 * (ApiKeys: 8 OffsetCommit, 12 Heartbeat, 14 SyncGroup; codes: 27 REBALANCE_IN_PROGRESS,
 * 42 INVALID_REQUEST ... as in the Kafka protocol.)
 *   down <broker>|all                  the broker closes its connections and refuses new ones
 *                                      (an outage); data and committed offsets are kept
 *   up <broker>|all                    it accepts connections again → "OK" or "ERROR <why>"
 * SIGUSR1 takes every broker down and SIGUSR2 brings them all up (no reply), for shells.
 *
 * Quirk: librdkafka 2.0.2 numbers brokers from 1 but never sets the cluster's ControllerId, so
 * Metadata names broker 0 as controller and offers no API to change it
 * (rd_kafka_mock_set_controller does not exist in 2.0.2). Clients must avoid requests routed to
 * the controller: admin calls and the idempotent producer's InitProducerId in kafkajs.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static rd_kafka_mock_cluster_t *mcluster;

static int broker_count = 1;

static void reply(const char *line) {
        printf("%s\n", line);
        fflush(stdout);
}

/* Takes broker `which` (1-based id, or "all") down or up; non-zero when there is no such broker. */
static int set_brokers(int up, const char *which) {
        int from = 1, to = broker_count;
        if (strcmp(which, "all") != 0) {
                char *end = NULL;
                long id = strtol(which, &end, 10);
                if (!end || *end != '\0' || id < 1 || id > broker_count) return 1;
                from = to = (int)id;
        }
        for (int id = from; id <= to; id++) {
                rd_kafka_resp_err_t err = up ? rd_kafka_mock_broker_set_up(mcluster, id) : rd_kafka_mock_broker_set_down(mcluster, id);
                if (err) return 1;
        }
        return 0;
}

/* One stdin command (see the top of this file). */
static void command(char *line) {
        char *save = NULL;
        char *verb = strtok_r(line, " \t\r\n", &save);
        if (!verb) return;
        if (strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0) {
                char *which = strtok_r(NULL, " \t\r\n", &save);
                if (!which) {
                        reply("ERROR usage: down|up <broker>|all");
                        return;
                }
                reply(set_brokers(strcmp(verb, "up") == 0, which) ? "ERROR no such broker" : "OK");
                return;
        }
        if (strcmp(verb, "errors") != 0) {
                reply("ERROR unknown command");
                return;
        }
        char *api = strtok_r(NULL, " \t\r\n", &save);
        char *list = strtok_r(NULL, " \t\r\n", &save);
        if (!api || !list) {
                reply("ERROR usage: errors <ApiKey> <err>[,<err>...]");
                return;
        }
        rd_kafka_resp_err_t errs[64];
        size_t cnt = 0;
        char *save2 = NULL;
        for (char *e = strtok_r(list, ",", &save2); e && cnt < 64; e = strtok_r(NULL, ",", &save2))
                errs[cnt++] = (rd_kafka_resp_err_t)atoi(e);
        rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)atoi(api), cnt, errs);
        reply("OK");
}

/* Reads commands until stdin closes; closing stdin does not stop the cluster. */
static void *commands(void *arg) {
        (void)arg;
        char line[1024];
        while (fgets(line, sizeof(line), stdin)) command(line);
        return NULL;
}

static void usage(const char *argv0) {
        fprintf(stderr, "usage: %s [-b brokers] topic:partitions ...\n", argv0);
        exit(2);
}

static int parse_positive(const char *text, const char *what) {
        char *end = NULL;
        long n = strtol(text, &end, 10);
        if (!end || *end != '\0' || n < 1 || n > 100000) {
                fprintf(stderr, "kafka-mock: %s must be a positive integer, got \"%s\"\n", what, text);
                exit(2);
        }
        return (int)n;
}

int main(int argc, char **argv) {
        int brokers = 1;
        int opt;
        while ((opt = getopt(argc, argv, "b:")) != -1) {
                if (opt == 'b') brokers = parse_positive(optarg, "-b");
                else usage(argv[0]);
        }
        broker_count = brokers;

        /* Die with the test process that started us, so a crashed test never leaks a cluster. */
        pid_t parent = getppid();
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) return 0;

        /* Block the stop signals before librdkafka starts its threads: they inherit the mask,
         * and the main thread receives the signal synchronously with sigwait(). */
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGHUP);
        sigaddset(&stop, SIGUSR1);
        sigaddset(&stop, SIGUSR2);
        pthread_sigmask(SIG_BLOCK, &stop, NULL);

        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The handle only does the mock's book-keeping; it never connects anywhere. */
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "kafka-mock: %s\n", errstr);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-mock: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        mcluster = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mcluster) {
                fprintf(stderr, "kafka-mock: could not create the mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        int status = 0;
        for (int i = optind; i < argc; i++) {
                char *spec = strdup(argv[i]);
                char *colon = strrchr(spec, ':');
                int partitions = 1;
                if (colon) {
                        *colon = '\0';
                        partitions = parse_positive(colon + 1, "partitions");
                }
                if (*spec == '\0') usage(argv[0]);
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, spec, partitions, 1);
                if (err) {
                        fprintf(stderr, "kafka-mock: topic %s: %s\n", spec, rd_kafka_err2str(err));
                        status = 1;
                }
                free(spec);
                if (status) break;
        }

        if (status == 0) {
                printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
                fflush(stdout);
                pthread_t reader;
                pthread_create(&reader, NULL, commands, NULL);
                pthread_detach(reader);
                int sig = 0;
                for (;;) {
                        if (sigwait(&stop, &sig) != 0) continue; /* EINTR-like: wait again */
                        if (sig == SIGUSR1 || sig == SIGUSR2) {
                                set_brokers(sig == SIGUSR2, "all");
                                continue;
                        }
                        break;
                }
                fprintf(stderr, "kafka-mock: signal %d, stopping\n", sig);
        }

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return status;
}
