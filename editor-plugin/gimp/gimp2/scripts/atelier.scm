; Atelier for GIMP 2.10: Filters > Atelier > Fill selection, Inpaint selection..., Expand canvas...,
; Remove background, Colorize line art...
;
; This script does the GIMP work: the dialogs (Script-Fu builds them from the parameters below),
; reading the active layer and the selection (as a soft 8-bit mask) into temporary PNG files,
; and putting the results in as new layers, in one undo group. Script-Fu cannot start a program,
; so the helper plug-in atelier-gimp (plug-ins/atelier-gimp.c) runs the `atelier` command for it,
; shows its progress and cancels it with GIMP's progress bar. The artist's layer is only read.
;
; Seed 0 lets the daemon choose one; the layer name says which it chose ("Atelier fill · seed 1234").

; --- reading the image -------------------------------------------------------------------------

; `source`'s pixels over the rectangle of `frame` (both drawables of one image), as an 8-bit RGBA PNG.
; The raw layer: its own mask, opacity and mode are not applied; a group gives what it shows.
(define (atelier-export-pixels source frame path)
  (let* ((width (car (gimp-drawable-width frame)))
         (height (car (gimp-drawable-height frame)))
         (frame-offsets (gimp-drawable-offsets frame))
         (source-offsets (gimp-drawable-offsets source))
         (scratch (car (gimp-image-new-with-precision width height RGB PRECISION-U8-GAMMA)))
         (copy (car (gimp-layer-new-from-drawable source scratch))))
    (gimp-image-insert-layer scratch copy 0 0)
    (if (= (car (gimp-layer-get-mask copy)) -1) #t (gimp-layer-remove-mask copy MASK-DISCARD))
    (gimp-item-set-visible copy TRUE)
    (gimp-layer-set-opacity copy 100)
    (gimp-layer-set-mode copy LAYER-MODE-NORMAL)
    (gimp-layer-set-offsets copy (- (car source-offsets) (car frame-offsets))
                            (- (cadr source-offsets) (cadr frame-offsets)))
    (let ((merged (car (gimp-image-merge-visible-layers scratch CLIP-TO-IMAGE))))
      (if (= (car (gimp-drawable-has-alpha merged)) FALSE) (gimp-layer-add-alpha merged))
      (gimp-layer-resize-to-image-size merged)
      ; Compression 1, not 9: the file only crosses to the helper, and level 9 took about 40 s on 4000x3000.
      (file-png-save2 RUN-NONINTERACTIVE scratch merged path path 0 1 0 0 0 0 0 0 1))
    (gimp-image-delete scratch)))

; The selection over the rectangle of `frame`, as an 8-bit grey PNG (255 = selected, soft edges kept).
; The scratch image is linear like GIMP's own channels, so mask values are written as they are.
(define (atelier-export-selection image frame path)
  (let* ((width (car (gimp-drawable-width frame)))
         (height (car (gimp-drawable-height frame)))
         (offsets (gimp-drawable-offsets frame))
         (scratch (car (gimp-image-new-with-precision width height GRAY PRECISION-U8-LINEAR)))
         (copy (car (gimp-layer-new-from-drawable (car (gimp-image-get-selection image)) scratch))))
    (gimp-image-insert-layer scratch copy 0 0)
    (gimp-layer-set-offsets copy (- (car offsets)) (- (cadr offsets)))
    (gimp-context-push)
    (gimp-context-set-background '(0 0 0))
    (let ((flat (car (gimp-image-flatten scratch))))
      (file-png-save2 RUN-NONINTERACTIVE scratch flat path path 0 1 0 0 0 0 0 0 0))
    (gimp-context-pop)
    (gimp-image-delete scratch)))

; Whether the selection covers any pixel of `drawable`.
(define (atelier-selection-touches? image drawable)
  (and (= (car (gimp-selection-is-empty image)) FALSE)
       (= (car (gimp-drawable-mask-intersect drawable)) TRUE)))

; --- the run -----------------------------------------------------------------------------------

;; ("a" "b") -> "a\nb": the helper's argument and file lists.
(define (atelier-lines items)
  (cond ((null? items) "")
        ((null? (cdr items)) (car items))
        (else (string-append (car items) "\n" (atelier-lines (cdr items))))))

;; A PDB string array as a list, whichever way this Script-Fu hands it over.
(define (atelier-list strings)
  (if (vector? strings) (vector->list strings) strings))

;; Whether marker occurs in text.
(define (atelier-contains? text marker)
  (let loop ((i 0))
    (cond ((> (+ i (string-length marker)) (string-length text)) #f)
          ((equal? (substring text i (+ i (string-length marker))) marker) #t)
          (else (loop (+ i 1))))))

;; (thunk)'s value, or #f when it raised an error; then atelier-error holds the error's sentence.
(define atelier-error "")
(define (atelier-try thunk)
  (let ((saved *error-hook*))
    (call-with-current-continuation
      (lambda (escape)
        (set! *error-hook*
              (lambda (message . details)
                (set! *error-hook* saved)
                (set! atelier-error (atelier-without-prefix message))
                (escape #f)))
        (let ((value (thunk)))
          (set! *error-hook* saved)
          value)))))

; "--seed" 1234 -> ("--seed" "1234") when seed > 0: 0 lets the daemon choose.
(define (atelier-seed-option seed)
  (if (> seed 0) (list "--seed" (number->string (inexact->exact (round seed)))) '()))

(define (atelier-common-options seed variants engine)
  (append (atelier-seed-option seed)
          (if (> variants 1) (list "--variants" (number->string (inexact->exact (round variants)))) '())
          (if (equal? engine "") '() (list "--engine" engine))))

(define (atelier-prompt-options prompt negative strength)
  (append (if (equal? prompt "") '() (list "--prompt" prompt))
          (if (equal? negative "") '() (list "--negative" negative))
          (list "--strength" (number->string strength))))

; Runs one operation on the active layer and inserts what comes back.
;   operation: the words in layer names ("fill"); verb: the atelier command's ("fill");
;   selection: 'required (fill, inpaint), 'optional (remove background: where the subject is) or 'none;
;   options: more command arguments; hints: a layer to send as --hints, or #f;
;   extend: (left right top bottom) for Expand, or #f; below: put the result under the layer.
(define (atelier-run image drawable operation verb selection options hints extend below)
  (if (= (car (gimp-item-is-layer drawable)) FALSE)
      (error (string-append "Atelier " operation ": select a layer (not a channel or a mask) first.")))
  (if (and (eq? selection 'required) (not (atelier-selection-touches? image drawable)))
      (error (string-append "Atelier " operation " needs a selection on the active layer: select what to "
                            (if (equal? operation "fill") "remove" "repaint") ", then run it again.")))
  (let* ((picture (car (gimp-temp-name "png")))
         (mask (car (gimp-temp-name "png")))
         (hints-file (car (gimp-temp-name "png")))
         (out (car (gimp-temp-name "png")))
         (send-mask (and (not (eq? selection 'none)) (atelier-selection-touches? image drawable)))
         (arguments (append (list verb "--image" picture "--out" out)
                            (if send-mask (list "--mask" mask) '())
                            (if hints (list "--hints" hints-file) '())
                            options))
         (temporary (list picture mask hints-file)))
    (atelier-export-pixels drawable drawable picture)
    (if send-mask (atelier-export-selection image drawable mask))
    (if hints (atelier-export-pixels hints drawable hints-file))
    ; The helper answers (num-files files num-names names error): a failed command comes back as
    ; no files and its sentence, never as a PDB error (GIMP 2.10 crashed on that).
    (let* ((answer (atelier-try (lambda () (plug-in-atelier-run RUN-NONINTERACTIVE operation (atelier-lines arguments)))))
           ; The helper ended without answering: GIMP ends it when its progress is cancelled (and the
           ; command then cancels its job in the daemon).
           (failure (cond ((and (not answer) (atelier-contains? atelier-error "returned no return values"))
                           (string-append "Atelier " operation ": cancelled; nothing was added."))
                          ((not answer) atelier-error)
                          ((equal? (list-ref answer 4) "") #f)
                          (else (list-ref answer 4))))
           (files (if failure '() (atelier-list (cadr answer))))
           (names (if failure '() (atelier-list (cadddr answer)))))
      (if failure
          (begin
            (plug-in-atelier-remove-files RUN-NONINTERACTIVE (atelier-lines temporary))
            (error failure)))
      (atelier-insert image drawable operation files names extend below (eq? selection 'required))
      (plug-in-atelier-remove-files RUN-NONINTERACTIVE (atelier-lines (append temporary files)))
      (car names))))

; A PDB error's message without what Script-Fu puts around it: "Procedure execution of ... failed: ",
; "Error: " and the newline at the end.
(define (atelier-without-prefix message)
  (let* ((after (lambda (marker text)
                  (let loop ((i 0))
                    (cond ((> (+ i (string-length marker)) (string-length text)) text)
                          ((equal? (substring text i (+ i (string-length marker))) marker)
                           (substring text (+ i (string-length marker)) (string-length text)))
                          (else (loop (+ i 1)))))))
         (text (after "failed: " message)))
    (atelier-trim (if (and (>= (string-length text) 7) (equal? (substring text 0 7) "Error: "))
                      (substring text 7 (string-length text))
                      text))))

;; Without the spaces and newlines Script-Fu adds at the end of an error.
(define (atelier-trim text)
  (let loop ((end (string-length text)))
    (if (and (> end 0) (char-whitespace? (string-ref text (- end 1))))
        (loop (- end 1))
        (substring text 0 end))))

; The results as new layers above `drawable` (or under it), in one undo group: one layer, or a
; group of variants with the first visible. Fill and inpaint get the selection as a layer mask to
; repaint the blend with. Expand first grows the canvas; no layer's pixels change.
(define (atelier-insert image drawable operation files names extend below masked)
  (gimp-image-undo-group-start image)
  ; Flats are colour: a grey image becomes RGB first (grey values kept exactly), in the same undo step.
  (if (and below (= (car (gimp-image-base-type image)) GRAY)) (gimp-image-convert-rgb image))
  (if extend
      (gimp-image-resize image
                         (+ (car (gimp-image-width image)) (car extend) (cadr extend))
                         (+ (car (gimp-image-height image)) (caddr extend) (cadddr extend))
                         (car extend) (caddr extend)))
  (let* ((offsets (gimp-drawable-offsets drawable))
         (x (- (car offsets) (if extend (car extend) 0)))
         (y (- (cadr offsets) (if extend (caddr extend) 0)))
         (parent (car (gimp-item-get-parent drawable)))
         (position (+ (car (gimp-image-get-item-position image drawable)) (if below 1 0)))
         (group (if (> (length files) 1) (car (gimp-layer-group-new image)) #f))
         (first #t))
    (if group
        (begin
          (gimp-item-set-name group (string-append "Atelier " operation " \302\267 "
                                                   (number->string (length files)) " variants"))
          (gimp-image-insert-layer image group (if (= parent -1) 0 parent) position)))
    (for-each
      (lambda (file name)
        (let ((layer (car (gimp-file-load-layer RUN-NONINTERACTIVE image file))))
          (gimp-item-set-name layer name)
          (if group
              (gimp-image-insert-layer image layer group (car (gimp-item-get-children group)))
              (gimp-image-insert-layer image layer (if (= parent -1) 0 parent) position))
          (gimp-layer-set-offsets layer x y)
          (gimp-item-set-visible layer (if first TRUE FALSE))
          (if (and masked (= (car (gimp-selection-is-empty image)) FALSE))
              (gimp-layer-add-mask layer (car (gimp-layer-create-mask layer ADD-MASK-SELECTION))))
          (set! first #f)))
      files names))
  ; Flats go under the line art; on Multiply its paper shows them, as colourists keep line layers.
  (let ((multiplied (and below (= (car (gimp-item-is-layer drawable)) TRUE)
                         (member (car (gimp-layer-get-mode drawable)) (list LAYER-MODE-NORMAL LAYER-MODE-NORMAL-LEGACY)))))
    ; Union: where no flat is (the paper around the drawing) the line layer's white paper still shows;
    ; GIMP's default for Multiply clips it to what is below, which would make the paper transparent.
    (if multiplied
        (begin (gimp-layer-set-mode drawable LAYER-MODE-MULTIPLY)
               (gimp-layer-set-composite-mode drawable LAYER-COMPOSITE-UNION)))
    (gimp-image-undo-group-end image)
    (gimp-displays-flush)
    (if multiplied
        (gimp-message (string-append "Atelier: the flats are under \"" (car (gimp-item-get-name drawable))
                                     "\", now on Multiply so they show through its paper (Edit > Undo takes both back).")))))

; --- the menu entries --------------------------------------------------------------------------

(define (script-fu-atelier-fill image drawable seed variants engine)
  (atelier-run image drawable "fill" "fill" 'required (atelier-common-options seed variants engine) #f #f #f))

(define (atelier-style-option style)
  (if (equal? style "") '() (list "--style" style)))

(define (script-fu-atelier-inpaint image drawable prompt negative strength seed variants engine style)
  (atelier-run image drawable "inpaint" "inpaint" 'required
               (append (atelier-prompt-options prompt negative strength) (atelier-common-options seed variants engine)
                       (atelier-style-option style))
               #f #f #f))

(define (script-fu-atelier-expand image drawable left right top bottom amount prompt negative strength seed variants engine style)
  (let* ((by (inexact->exact (round amount)))
         (side (lambda (ticked) (if (= ticked TRUE) by 0)))
         (extend (list (side left) (side right) (side top) (side bottom))))
    (if (= (apply + extend) 0) (error "Atelier expand: tick at least one side to grow."))
    (atelier-run image drawable "expand" "outpaint" 'none
                 (append (list "--left" (number->string (car extend)) "--right" (number->string (cadr extend))
                               "--top" (number->string (caddr extend)) "--bottom" (number->string (cadddr extend)))
                         (atelier-prompt-options prompt negative strength)
                         (atelier-common-options seed variants engine)
                         (atelier-style-option style))
                 #f extend #f)))

(define (script-fu-atelier-remove-background image drawable engine)
  (atelier-run image drawable "remove background" "remove-bg" 'optional
               (atelier-common-options 0 1 engine) #f #f #f))

(define (script-fu-atelier-colorize image drawable use-hints hints prompt negative strength seed engine style)
  (atelier-run image drawable "colorize" "colorize" 'none
               (append (list "--flats" "underlay")
                       (atelier-prompt-options prompt negative strength)
                       (atelier-common-options seed 1 engine)
                       (atelier-style-option style))
               (if (= use-hints TRUE) hints #f) #f #t))

(define atelier-seed-spec '(0 0 2147483647 1 1000 0 1))
(define atelier-variants-spec '(1 1 8 1 1 0 1))
(define atelier-strength-spec '(1 0 1 0.05 0.1 2 0))

(script-fu-register "script-fu-atelier-fill"
  "Fill selection"
  "Makes what is selected disappear: the Atelier daemon fills it from its surroundings into a new layer."
  "Atelier" "Atelier" "2024" "RGB* GRAY*"
  SF-IMAGE "Image" 0
  SF-DRAWABLE "Layer" 0
  SF-ADJUSTMENT "Seed (0: any)" atelier-seed-spec
  SF-ADJUSTMENT "Variants" atelier-variants-spec
  SF-STRING "Engine" "auto")

(script-fu-register "script-fu-atelier-inpaint"
  "Inpaint selection..."
  "Paints what the prompt says into the selection, as a new layer."
  "Atelier" "Atelier" "2024" "RGB* GRAY*"
  SF-IMAGE "Image" 0
  SF-DRAWABLE "Layer" 0
  SF-STRING "Prompt" ""
  SF-STRING "Negative prompt" ""
  SF-ADJUSTMENT "Strength" atelier-strength-spec
  SF-ADJUSTMENT "Seed (0: any)" atelier-seed-spec
  SF-ADJUSTMENT "Variants" atelier-variants-spec
  SF-STRING "Engine" "auto"
  SF-STRING "Style (optional: atelier styles list)" "")

(script-fu-register "script-fu-atelier-expand"
  "Expand canvas..."
  "Grows the canvas on the ticked sides and paints the new area, as a new layer."
  "Atelier" "Atelier" "2024" "RGB* GRAY*"
  SF-IMAGE "Image" 0
  SF-DRAWABLE "Layer" 0
  SF-TOGGLE "Left" FALSE
  SF-TOGGLE "Right" TRUE
  SF-TOGGLE "Top" FALSE
  SF-TOGGLE "Bottom" FALSE
  SF-ADJUSTMENT "By (pixels)" '(256 8 4096 8 64 0 1)
  SF-STRING "Prompt" ""
  SF-STRING "Negative prompt" ""
  SF-ADJUSTMENT "Strength" atelier-strength-spec
  SF-ADJUSTMENT "Seed (0: any)" atelier-seed-spec
  SF-ADJUSTMENT "Variants" atelier-variants-spec
  SF-STRING "Engine" "auto"
  SF-STRING "Style (optional: atelier styles list)" "")

(script-fu-register "script-fu-atelier-remove-background"
  "Remove background"
  "Remove background (inside the selection, if any): cuts the subject out into a new layer; a rough selection says where the subject is and nothing outside it stays."
  "Atelier" "Atelier" "2024" "RGB* GRAY*"
  SF-IMAGE "Image" 0
  SF-DRAWABLE "Layer" 0
  SF-STRING "Engine" "auto")

(script-fu-register "script-fu-atelier-colorize"
  "Colorize line art..."
  "Fills the closed regions of the line art with flat colours, in a new layer under it."
  "Atelier" "Atelier" "2024" "RGB* GRAY*"
  SF-IMAGE "Image" 0
  SF-DRAWABLE "Line art" 0
  SF-TOGGLE "Use a hints layer" FALSE
  SF-LAYER "Hints (colour strokes)" 0
  SF-STRING "Prompt" ""
  SF-STRING "Negative prompt" ""
  SF-ADJUSTMENT "Strength" atelier-strength-spec
  SF-ADJUSTMENT "Seed (0: any)" atelier-seed-spec
  SF-STRING "Engine" "auto"
  SF-STRING "Style (optional: atelier styles list)" "")

(for-each (lambda (name) (script-fu-menu-register name "<Image>/Filters/Atelier"))
          '("script-fu-atelier-fill" "script-fu-atelier-inpaint" "script-fu-atelier-expand"
            "script-fu-atelier-remove-background" "script-fu-atelier-colorize"))
