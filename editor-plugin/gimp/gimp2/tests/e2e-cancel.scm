; Cancel in GIMP 2.10, run in batch mode by engine-daemon's GimpPluginEndToEndTest:
;   gimp -i -b '(atelier-e2e-cancel "big.png" "OUT-DIR")' -b '(gimp-quit 0)'
; Opens a large picture, selects a large part of it and runs Fill selection; the test ends the
; atelier-gimp helper while the job runs, as GIMP does when its progress is cancelled. GIMP must
; go on; report.txt in OUT-DIR says what the fill answered and which layers the image has.

(define (atelier-e2e-cancel image-file out-dir)
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE image-file image-file)))
         (artist (car (gimp-image-get-active-layer image)))
         (report (open-output-file (string-append out-dir "/report.txt"))))
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 1000 700 2000 1600)
    (let ((answer (atelier-try (lambda () (gimp-proc-db-call "script-fu-atelier-fill" RUN-NONINTERACTIVE image artist 1234 1 "patchmatch")))))
      (display "fill: " report)
      (display (if answer "done" atelier-error) report)
      (newline report))
    (display "layers: " report)
    (display (car (gimp-image-get-layers image)) report)
    (newline report)
    (display "end" report)
    (newline report)
    (close-output-port report)))
