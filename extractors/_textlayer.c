/* A page's characters read through pdfium in one call: extractors/pdfium_text.py `read_char_layer`.

Reading a character from Python costs a few ctypes calls (text object, code point, origin: ~1 us each), which
made the per-character loop the largest cost of a run. This loop makes the same pdfium calls in C and fills the
caller's arrays; everything else (font metrics, boxes, words) stays in Python. It is loaded with ctypes, and the
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

static struct PyModuleDef textlayer_module = {
    PyModuleDef_HEAD_INIT, "_textlayer", "C helper for extractors.pdfium_text (loaded with ctypes).", -1, NULL,
};

PyMODINIT_FUNC PyInit__textlayer(void) { return PyModule_Create(&textlayer_module); }
