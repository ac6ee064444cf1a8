/* A page's characters and paths read through pdfium in one call each: extractors/pdfium_text.py
`read_char_layer` and extractors/pdfium_paths.py `read_path_layer`.

Reading a character from Python costs a few ctypes calls (text object, code point, origin: ~1 us each), which
made the per-character loop the largest cost of a run; the page's objects and path segments are the same story.
These loops make the same pdfium calls in C and fill the caller's arrays; everything else (font metrics, boxes,
words, subpaths) stays in Python. It is loaded with ctypes, and the
pdfium functions come in as addresses taken from pypdfium2's own bindings, so it calls the library instance that
opened the document and needs neither pdfium's headers nor linking. When it is not built (no C compiler),
pdfium_text.py makes the same calls from Python, with the same result. The module init below only makes the file
importable; it has no Python functions.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef struct { float a, b, c, d, e, f; } Matrix; /* pdfium's FS_MATRIX */

/* The pdfium functions used, in this order (pdfium_text.py `PDFIUM_FUNCTIONS`). */
typedef struct {
    void *(*text_object)(void *textpage, int index);              /* FPDFText_GetTextObject */
    int (*is_generated)(void *textpage, int index);               /* FPDFText_IsGenerated */
    unsigned int (*unicode)(void *textpage, int index);           /* FPDFText_GetUnicode */
    int (*origin)(void *textpage, int index, double *x, double *y); /* FPDFText_GetCharOrigin */
    int (*matrix)(void *textpage, int index, Matrix *matrix);     /* FPDFText_GetMatrix */
    int (*font_size)(void *text_object, float *size);             /* FPDFTextObj_GetFontSize */
    void *(*font)(void *text_object);                             /* FPDFTextObj_GetFont */
} Pdfium;

/* The page's characters in content order, pdfium's generated spaces and line breaks left out: code point and
   origin per character; per run (consecutive characters of one text object) its first character, the matrix
   (a, b, c, d), font size and font of its object. Every array holds `count` items (`matrix` 4 * count).
   Returns the number of characters kept and sets *runs; -1 when a character has no text object and pdfium did
   not make it up (the caller reads the page another way). */
int muni_read_chars(void *textpage, int count, const Pdfium *pdfium, uint32_t *code, double *x, double *y,
                    int32_t *run_start, double *matrix, double *font_size, uint64_t *font, int32_t *runs)
{
    void *current = NULL;
    int kept = 0, n = 0;
    for (int i = 0; i < count; i++) {
        void *object = pdfium->text_object(textpage, i);
        if (object == NULL) {
            if (pdfium->is_generated(textpage, i) != 0)
                continue;
            return -1;
        }
        if (object != current) {
            Matrix m = {0, 0, 0, 0, 0, 0};
            float size = 0;
            pdfium->matrix(textpage, i, &m); /* on failure m stays zero: not upright, so refused by the caller */
            pdfium->font_size(object, &size);
            run_start[n] = kept;
            matrix[4 * n] = m.a;
            matrix[4 * n + 1] = m.b;
            matrix[4 * n + 2] = m.c;
            matrix[4 * n + 3] = m.d;
            font_size[n] = size;
            font[n] = (uint64_t)(uintptr_t)pdfium->font(object);
            n++;
            current = object;
        }
        code[kept] = pdfium->unicode(textpage, i);
        x[kept] = 0;
        y[kept] = 0;
        pdfium->origin(textpage, i, &x[kept], &y[kept]);
        kept++;
    }
    *runs = n;
    return kept;
}

/* The pdfium functions muni_read_paths uses, in this order (pdfium_paths.py `PDFIUM_PATH_FUNCTIONS`). */
typedef struct {
    void *(*object)(void *page, int index);                       /* FPDFPage_GetObject */
    int (*object_type)(void *object);                             /* FPDFPageObj_GetType */
    int (*draw_mode)(void *path, int *fill_mode, int *stroke);     /* FPDFPath_GetDrawMode */
    int (*object_matrix)(void *object, Matrix *matrix);           /* FPDFPageObj_GetMatrix */
    int (*count_segments)(void *path);                            /* FPDFPath_CountSegments */
    void *(*segment)(void *path, int index);                      /* FPDFPath_GetPathSegment */
    int (*segment_type)(void *segment);                           /* FPDFPathSegment_GetType */
    int (*segment_point)(void *segment, float *x, float *y);      /* FPDFPathSegment_GetPoint */
    int (*segment_close)(void *segment);                          /* FPDFPathSegment_GetClose */
    int (*fill_colour)(void *object, unsigned int *r, unsigned int *g, unsigned int *b, unsigned int *a);
                                                                  /* FPDFPageObj_GetFillColor */
} PathPdfium;

#define PATH_OBJECT 2        /* FPDF_PAGEOBJ_PATH */
#define FILL_NONE 0          /* FPDF_FILLMODE_NONE */
#define SEGMENT_UNKNOWN (-1) /* FPDF_SEGMENT_UNKNOWN */

/* The page's `count` objects: each one's type, and for every path that paints, its state (1: its segments are
   segment_start[i] .. + segment_count[i]; -1: pdfium cannot give its draw mode, matrix or a segment, so the
   caller reads the page another way; 0: anything else), fill flag, fill colour (colour_ok, rgb, 0-255) and
   matrix (a, b, c, d, e, f). Segments: type, point in the path's own space, closing flag; at most
   `capacity` are written. Returns how many segments the page has (more than `capacity`: call again). */
int muni_read_paths(void *page, int count, const PathPdfium *pdfium, int capacity, int32_t *type, int32_t *state,
                    int8_t *filled, int8_t *colour_ok, int32_t *rgb, double *matrix, int32_t *segment_start,
                    int32_t *segment_count, int32_t *segment_type, double *x, double *y, int8_t *closes)
{
    int total = 0;
    for (int i = 0; i < count; i++) {
        void *object = pdfium->object(page, i);
        type[i] = object ? pdfium->object_type(object) : 0;
        state[i] = 0;
        filled[i] = colour_ok[i] = 0;
        segment_start[i] = segment_count[i] = 0;
        if (!object || type[i] != PATH_OBJECT)
            continue;
        int fill_mode = 0, stroke = 0;
        if (!pdfium->draw_mode(object, &fill_mode, &stroke)) {
            state[i] = -1;
            continue;
        }
        filled[i] = fill_mode != FILL_NONE;
        if (!filled[i] && !stroke) /* ended without painting ('n') */
            continue;
        Matrix m = {0, 0, 0, 0, 0, 0};
        if (!pdfium->object_matrix(object, &m)) {
            state[i] = -1;
            continue;
        }
        double *mi = matrix + 6 * i;
        mi[0] = m.a; mi[1] = m.b; mi[2] = m.c; mi[3] = m.d; mi[4] = m.e; mi[5] = m.f;
        if (filled[i]) {
            unsigned int r = 0, g = 0, b = 0, a = 0;
            colour_ok[i] = pdfium->fill_colour(object, &r, &g, &b, &a) != 0;
            rgb[3 * i] = (int32_t)r; rgb[3 * i + 1] = (int32_t)g; rgb[3 * i + 2] = (int32_t)b;
        }
        int n = pdfium->count_segments(object);
        state[i] = 1;
        segment_start[i] = total;
        segment_count[i] = n > 0 ? n : 0;
        for (int k = 0; k < n; k++, total++) {
            void *segment = pdfium->segment(object, k);
            int kind = segment ? pdfium->segment_type(segment) : SEGMENT_UNKNOWN;
            float px = 0, py = 0;
            if (kind == SEGMENT_UNKNOWN || !pdfium->segment_point(segment, &px, &py)) {
                state[i] = -1;
                kind = SEGMENT_UNKNOWN;
            }
            if (total < capacity) {
                segment_type[total] = kind;
                x[total] = px;
                y[total] = py;
                closes[total] = segment && kind != SEGMENT_UNKNOWN ? pdfium->segment_close(segment) != 0 : 0;
            }
        }
    }
    return total;
}

static struct PyModuleDef textlayer_module = {
    PyModuleDef_HEAD_INIT, "_textlayer", "C helper for extractors.pdfium_text (loaded with ctypes).", -1, NULL,
};

PyMODINIT_FUNC PyInit__textlayer(void) { return PyModule_Create(&textlayer_module); }
