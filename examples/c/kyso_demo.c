/* kyso from C: sign a PDF with a PKCS#12 key, verify it, and show the error path.
 *
 *   gcc -Iinclude examples/c/kyso_demo.c -Ltarget/release -lkyso -o kyso_demo
 *   ./kyso_demo fixtures/docs/simple.pdf fixtures/pki/leader.p12 fixtures/pki/root.pem
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso.h"

/* Progress of a batch: counts the calls and remembers the last total. */
struct progress {
    size_t calls;
    size_t total;
};

static void on_progress(void *user_data, size_t done, size_t total) {
    struct progress *p = user_data;
    p->calls++;
    p->total = total;
    (void)done;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s DOC.pdf KEY.p12 ROOT.pem\n", argv[0]);
        return 4;
    }
    printf("kyso %s\n", kyso_version());
    size_t doc_len = 0;
    unsigned char *doc = read_file(argv[1], &doc_len);
    if (!doc) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 4;
    }

    char sign_options[1024];
    snprintf(sign_options, sizeof sign_options,
             "{\"key\": {\"p12_path\": \"%s\", \"password\": \"kyso-test\"},"
             " \"reason\": \"Phê duyệt\", \"signing_time\": \"2026-01-01T00:00:00Z\"}",
             argv[2]);
    uint8_t *signed_doc = NULL;
    size_t signed_len = 0;
    int status = kyso_sign_pdf(doc, doc_len, sign_options, &signed_doc, &signed_len);
    if (status != 0) {
        fprintf(stderr, "sign: %d %s\n", status, kyso_last_error());
        free(doc);
        return status;
    }
    printf("signed: %zu -> %zu bytes\n", doc_len, signed_len);

    char verify_options[1024];
    snprintf(verify_options, sizeof verify_options,
             "{\"trust\": [\"%s\"], \"at\": \"2026-01-01T00:00:00Z\"}", argv[3]);
    char *report = NULL;
    status = kyso_verify(signed_doc, signed_len, verify_options, &report);
    printf("verify status: %d\n", status);
    if (report) {
        printf("indication: %s\n", strstr(report, "TOTAL_PASSED") ? "TOTAL_PASSED" : "other");
        kyso_free(report);
    }

    /* A verifier reads the options once and then verifies many documents. */
    KysoVerifier *verifier = NULL;
    if (kyso_verifier_new(verify_options, &verifier) == 0) {
        int passed = 0;
        for (int i = 0; i < 3; i++) {
            char *again = NULL;
            if (kyso_verifier_verify(verifier, signed_doc, signed_len, &again) == 0) passed++;
            kyso_free(again);
        }
        char *unsigned_report = NULL;
        int unsigned_status = kyso_verifier_verify(verifier, doc, doc_len, &unsigned_report);
        kyso_free(unsigned_report);
        printf("verifier: %d of 3 passed, unsigned %d\n", passed, unsigned_status);
        kyso_verifier_free(verifier);
    } else {
        printf("verifier: %s\n", kyso_last_error());
    }
    KysoVerifier *refused = NULL;
    printf("verifier with bad options: %d\n", kyso_verifier_new("{\"no_such\": 1}", &refused));

    /* The error path: a null document with a length is refused with status 4. */
    char *nothing = NULL;
    int bad = kyso_verify(NULL, 10, NULL, &nothing);
    printf("null document: %d (%s)\n", bad, kyso_last_error());
    int bad_json = kyso_verify(doc, doc_len, "{not json", &nothing);
    printf("bad options: %d\n", bad_json);

    /* A batch: every PDF and XML file under the document's folder, two at a time, with
     * progress, as JSON Lines in the order of the files. */
    char folder[1024];
    snprintf(folder, sizeof folder, "%s", argv[1]);
    char *slash = strrchr(folder, '/');
    if (slash) *slash = '\0'; else snprintf(folder, sizeof folder, ".");
    const char *paths[] = {folder};
    struct progress seen = {0, 0};
    char *lines = NULL;
    int batch = kyso_verify_many(paths, 1, "{\"jobs\": 2}", on_progress, &seen, &lines);
    size_t count = 0;
    for (const char *c = lines; c && *c; c++) count += *c == '\n';
    printf("batch: status %d, %zu reports, %zu progress calls of %zu\n", batch, count, seen.calls, seen.total);
    kyso_free(lines);

    kyso_free(signed_doc);
    free(doc);
    return status;
}
