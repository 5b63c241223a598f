#!/usr/bin/python3
"""Reference fills for FillBenchmark, with Debian's python3-opencv (4.6).

For each NAME-image.png / NAME-mask.png pair in DIR (mask: 255 = hole) writes
NAME-telea.png and NAME-shiftmap.png and prints one JSON line per fill with its time.
"""
import json
import sys
import time
from pathlib import Path

import cv2
import cv2.xphoto

folder = Path(sys.argv[1])
methods = sys.argv[2].split(",") if len(sys.argv) > 2 else ["telea", "shiftmap"]
for image_file in sorted(folder.glob("*-image.png")):
    name = image_file.name[: -len("-image.png")]
    image = cv2.imread(str(image_file), cv2.IMREAD_COLOR)
    hole = cv2.imread(str(folder / (name + "-mask.png")), cv2.IMREAD_GRAYSCALE)
    for method in methods:
        start = time.perf_counter()
        if method == "telea":
            filled = cv2.inpaint(image, hole, 5, cv2.INPAINT_TELEA)
        else:
            # xphoto wants Lab for colour pictures and a mask of the *valid* pixels.
            lab = cv2.cvtColor(image, cv2.COLOR_BGR2Lab)
            out = lab.copy()
            cv2.xphoto.inpaint(lab, 255 - hole, out, cv2.xphoto.INPAINT_SHIFTMAP)
            filled = cv2.cvtColor(out, cv2.COLOR_Lab2BGR)
        seconds = time.perf_counter() - start
        cv2.imwrite(str(folder / ("%s-%s.png" % (name, method))), filled)
        print(json.dumps({"case": name, "method": method, "seconds": seconds}), flush=True)
