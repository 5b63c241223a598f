; The artist's story in GIMP 2.10, run in batch mode by engine-daemon's GimpPluginEndToEndTest:
;   gimp -i -b '(atelier-e2e-fill "meadow-ball.png" "meadow-ball-mask.png" "OUT-DIR")' -b '(gimp-quit 0)'
; Opens the meadow, asks Fill with no selection (it must refuse with a sentence), selects the ball
; from the mask file, runs two commands that fail (inpaint with no model, a mistyped engine: GIMP
; must show their sentence and go on), runs Filters > Atelier > Fill selection with seed 1234, and
; writes what the test judges into OUT-DIR: the artist's layer before and after, the new layer,
; the visible result, and report.txt (the layers top first with their offsets, and what happened).

(define (atelier-e2e-save image drawable path)
  (file-png-save2 RUN-NONINTERACTIVE image drawable path path 0 9 0 0 0 0 0 0 1))

(define (atelier-e2e-export-layer layer path)
  (let* ((scratch (car (gimp-image-new (car (gimp-drawable-width layer)) (car (gimp-drawable-height layer)) RGB)))
         (copy (car (gimp-layer-new-from-drawable layer scratch))))
    (gimp-image-insert-layer scratch copy 0 0)
    (gimp-layer-set-offsets copy 0 0)
    (atelier-e2e-save scratch copy path)
    (gimp-image-delete scratch)))

(define (atelier-e2e-line port . words)
  (for-each (lambda (word) (display word port)) words)
  (newline port))

(define (atelier-e2e-fill image-file mask-file out-dir)
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE image-file image-file)))
         (artist (car (gimp-image-get-active-layer image)))
         (report (open-output-file (string-append out-dir "/report.txt"))))
    (atelier-e2e-export-layer artist (string-append out-dir "/original-before.png"))

    ; No selection: Fill must refuse with a sentence, and add nothing.
    (gimp-selection-none image)
    (atelier-e2e-line report "no-selection: "
                      (if (atelier-try (lambda () (gimp-proc-db-call "script-fu-atelier-fill" RUN-NONINTERACTIVE image artist 1234 1 "auto")))
                          "accepted" atelier-error))

    ; The selection from the mask file: its grey becomes a layer mask, the layer mask the selection.
    (let* ((mask-layer (car (gimp-file-load-layer RUN-NONINTERACTIVE image mask-file))))
      (gimp-image-insert-layer image mask-layer 0 0)
      (gimp-layer-add-mask mask-layer (car (gimp-layer-create-mask mask-layer ADD-MASK-COPY)))
      (gimp-image-select-item image CHANNEL-OP-REPLACE (car (gimp-layer-get-mask mask-layer)))
      (gimp-image-remove-layer image mask-layer))
    (gimp-image-set-active-layer image artist)

    ; Commands that fail, as they do for artists: an operation with no engine installed and a
    ; mistyped engine. GIMP must show the command's sentence and go on (it crashed here once).
    (atelier-e2e-line report "inpaint-without-model: "
                      (if (atelier-try (lambda () (gimp-proc-db-call "script-fu-atelier-inpaint" RUN-NONINTERACTIVE image artist
                                                                     "a corgi" "" 1 1234 1 "auto" "")))
                          "accepted" atelier-error))
    (atelier-e2e-line report "mistyped-engine: "
                      (if (atelier-try (lambda () (gimp-proc-db-call "script-fu-atelier-fill" RUN-NONINTERACTIVE image artist 1234 1 "patchmtach")))
                          "accepted" atelier-error))

    (let ((answer (atelier-try (lambda () (gimp-proc-db-call "script-fu-atelier-fill" RUN-NONINTERACTIVE image artist 1234 1 "embedded")))))
      (atelier-e2e-line report "fill: " (if answer "done" atelier-error)))

    (let loop ((layers (vector->list (cadr (gimp-image-get-layers image)))))
      (if (pair? layers)
          (let* ((layer (car layers))
                 (offsets (gimp-drawable-offsets layer)))
            (atelier-e2e-line report "layer: " (car (gimp-item-get-name layer))
                              " | " (car offsets) "," (cadr offsets)
                              " | " (car (gimp-drawable-width layer)) "x" (car (gimp-drawable-height layer))
                              " | mask " (if (= (car (gimp-layer-get-mask layer)) -1) "no" "yes"))
            (loop (cdr layers)))))
    (let ((top (aref (cadr (gimp-image-get-layers image)) 0)))
      (if (not (= top artist))
          (atelier-e2e-export-layer top (string-append out-dir "/result-layer.png"))))
    (atelier-e2e-export-layer artist (string-append out-dir "/original-after.png"))
    (let ((visible (car (gimp-layer-new-from-visible image image "visible"))))
      (gimp-image-insert-layer image visible 0 0)
      (atelier-e2e-export-layer visible (string-append out-dir "/visible.png")))
    (atelier-e2e-line report "end")
    (close-output-port report)
    (gimp-image-delete image)))

; Colorize, as a colourist does it: grey line art drawn by someone else (a grey image, as a scan
; gives), the scribbles in another image's layer, Filters > Atelier > Colorize line art with hints.
; Writes into OUT-DIR: the line layer before and after, the visible result, and colorize.txt (the
; image's base type after, and the layers top first with whether each is on Multiply).
(define (atelier-e2e-colorize lines-file hints-file out-dir)
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE lines-file lines-file)))
         (lines (car (gimp-image-get-active-layer image)))
         (hints-image (car (gimp-file-load RUN-NONINTERACTIVE hints-file hints-file)))
         (hints (car (gimp-image-get-active-layer hints-image)))
         (report (open-output-file (string-append out-dir "/colorize.txt"))))
    (atelier-e2e-line report "base-before: " (if (= (car (gimp-image-base-type image)) GRAY) "grey" "rgb"))
    (atelier-e2e-export-layer lines (string-append out-dir "/lines-before.png"))
    (let ((answer (atelier-try (lambda () (gimp-proc-db-call "script-fu-atelier-colorize" RUN-NONINTERACTIVE image lines
                                                             TRUE hints "" "" 1 1234 "flats" "")))))
      (atelier-e2e-line report "colorize: " (if answer "done" atelier-error)))
    (atelier-e2e-line report "base-after: " (if (= (car (gimp-image-base-type image)) GRAY) "grey" "rgb"))
    (let loop ((layers (vector->list (cadr (gimp-image-get-layers image)))))
      (if (pair? layers)
          (let ((layer (car layers)))
            (atelier-e2e-line report "layer: " (car (gimp-item-get-name layer))
                              " | multiply " (if (= (car (gimp-layer-get-mode layer)) LAYER-MODE-MULTIPLY) "yes" "no"))
            (loop (cdr layers)))))
    (atelier-e2e-export-layer lines (string-append out-dir "/lines-after.png"))
    (let ((visible (car (gimp-layer-new-from-visible image image "visible"))))
      (gimp-image-insert-layer image visible 0 0)
      (atelier-e2e-export-layer visible (string-append out-dir "/colorize-visible.png")))
    (atelier-e2e-line report "end")
    (close-output-port report)
    (gimp-image-delete hints-image)
    (gimp-image-delete image)))
