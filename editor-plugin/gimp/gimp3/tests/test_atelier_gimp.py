"""The GIMP 3 plug-in's logic with plain python3: no GIMP, the shared modules from editor-plugin/common."""

import sys
import unittest
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "atelier"), str(HERE.parents[2] / "common")]

import atelier_client as client  # noqa: E402
import atelier_gimp as plan  # noqa: E402
from atelier_layout import Bounds, Extend  # noqa: E402

ttypes = client.ttypes


def result_layer(x, y, width, height, seed, name=None):
    return SimpleNamespace(x=x, y=y, seed=seed, name=name,
                           pixels=SimpleNamespace(width=width, height=height, data=b"\x01" * (width * height * 4)))


class EntriesTest(unittest.TestCase):
    def test_five_entries_under_filters_atelier_with_the_dockers_fields(self):
        self.assertEqual(["_Fill selection", "_Inpaint selection...", "_Expand canvas...", "_Remove background",
                          "_Colorize line art..."], [e.label for e in plan.ENTRIES])
        fields = {e.operation: [f.name for f in e.fields] for e in plan.ENTRIES}
        self.assertEqual(["prompt", "negative", "strength", "seed", "variants", "engine", "style"], fields["inpaint"])
        self.assertEqual(["left", "right", "top", "bottom", "amount"], fields["expand"][:5])
        self.assertEqual(["use-hints", "hints"], fields["colorize"][:2])
        self.assertEqual("<Image>/Filters/Atelier", plan.MENU_PATH)

    def test_every_field_default_lies_in_its_range(self):
        for entry in plan.ENTRIES:
            for field in entry.fields:
                if field.kind in ("int", "double"):
                    self.assertTrue(field.minimum <= field.default <= field.maximum, field)


class StyleTest(unittest.TestCase):
    def test_a_style_typed_in_the_dialog_goes_into_the_request_and_an_empty_one_does_not(self):
        entry = plan.BY_PROCEDURE["plug-in-atelier-inpaint"]
        region = SimpleNamespace(width=2, height=2)
        values = {"prompt": "a knight", "style": "House style"}
        request = plan.request_for(ttypes, entry, values, b"\x00" * 16, region, mask=b"\xff" * 4)
        self.assertEqual("House style", request.style)
        self.assertIsNone(plan.request_for(ttypes, entry, {"prompt": "x", "style": ""}, b"\x00" * 16, region,
                                           mask=b"\xff" * 4).style)


class ReadTest(unittest.TestCase):
    def test_fill_without_a_selection_on_the_layer_says_what_to_do(self):
        with self.assertRaises(plan.NeedsFixing) as refused:
            plan.plan_read("fill", Bounds(0, 0, 640, 420), None)
        self.assertIn("Fill needs a selection", str(refused.exception))

    def test_a_small_layer_is_read_whole_and_the_selection_at_its_offsets(self):
        layer = Bounds(30, 40, 640, 420)
        region = plan.plan_read("fill", layer, Bounds(300, 200, 20, 20))
        self.assertEqual(Bounds(0, 0, 640, 420), region)
        self.assertEqual(Bounds(30, 40, 640, 420), plan.in_image(region, layer))

    def test_a_large_layer_is_read_around_the_selection(self):
        layer = Bounds(-100, 0, 4000, 3000)
        region = plan.plan_read("inpaint", layer, Bounds(1000, 1000, 200, 100))
        self.assertEqual(Bounds(800, 800, 600, 500), region)
        self.assertEqual(Bounds(700, 800, 600, 500), plan.in_image(region, layer))

    def test_remove_background_sends_a_selection_and_expand_does_not(self):
        self.assertTrue(plan.wants_mask("remove background"))
        self.assertFalse(plan.wants_mask("expand"))


class RequestTest(unittest.TestCase):
    def test_inpaint_request_carries_the_dialogs_values(self):
        entry = plan.BY_PROCEDURE["plug-in-atelier-inpaint"]
        values = dict(prompt="a corgi", negative="blurry", strength=0.75, seed=1234, variants=3, engine="embedded")
        request = plan.request_for(ttypes, entry, values, b"\x00" * 16, Bounds(0, 0, 2, 2), mask=b"\xff" * 4)
        self.assertEqual(ttypes.Operation.INPAINT, request.operation)
        self.assertEqual(("a corgi", "blurry", 0.75, 1234, 3, "embedded"),
                         (request.prompt, request.negativePrompt, request.strength, request.seed, request.variants, request.engine))
        self.assertEqual((2, 2, ttypes.PixelFormat.GRAY8), (request.mask.width, request.mask.height, request.mask.format))

    def test_seed_zero_lets_the_daemon_choose(self):
        entry = plan.BY_PROCEDURE["plug-in-atelier-fill"]
        request = plan.request_for(ttypes, entry, dict(seed=0, variants=1, engine="auto"), b"\x00" * 4, Bounds(0, 0, 1, 1))
        self.assertIsNone(request.seed)

    def test_expand_asks_for_the_ticked_sides_and_refuses_none(self):
        entry = plan.BY_PROCEDURE["plug-in-atelier-expand"]
        values = dict(left=True, right=False, top=False, bottom=True, amount=64, prompt="", negative="", strength=1.0,
                      seed=7, variants=1, engine="auto")
        request = plan.request_for(ttypes, entry, values, b"\x00" * 4, Bounds(0, 0, 1, 1))
        self.assertEqual(ttypes.Extension(64, 0, 0, 64), request.extend)
        with self.assertRaises(plan.NeedsFixing):
            plan.extend_of(dict(values, left=False, bottom=False))

    def test_daemon_address_from_the_environment(self):
        self.assertEqual(("127.0.0.1", 47315), plan.daemon_address({}))
        self.assertEqual(("127.0.0.1", 5000), plan.daemon_address({"ATELIER_PORT": "5000"}))


class PlaceTest(unittest.TestCase):
    def test_a_fill_lands_on_the_region_at_the_layers_offsets_named_by_seed_and_masked(self):
        placement = plan.place("fill", [result_layer(10, 20, 5, 5, 1234)], Bounds(30, 40, 640, 420), Bounds(800, 800, 600, 500))
        (only,) = placement.layers
        self.assertEqual(("Atelier fill · seed 1234", 840, 860, True), (only.name, only.x, only.y, only.visible))
        self.assertEqual((None, False, True, None), (placement.grow, placement.below, placement.masked, placement.group))

    def test_variants_go_in_a_group_with_the_first_visible(self):
        placement = plan.place("inpaint", [result_layer(0, 0, 2, 2, s) for s in (1, 2, 3)], Bounds(0, 0, 2, 2), Bounds(0, 0, 2, 2))
        self.assertEqual("Atelier inpaint · 3 variants", placement.group)
        self.assertEqual([True, False, False], [p.visible for p in placement.layers])

    def test_expand_grows_the_canvas_and_the_result_covers_the_grown_layer(self):
        extend = Extend(64, 0, 0, 32)
        placement = plan.place("expand", [result_layer(0, 0, 704, 452, 9)], Bounds(10, 0, 640, 420), Bounds(0, 0, 640, 420),
                               extend=extend)
        self.assertEqual(extend, placement.grow)
        # After the canvas grows by (64, 0) the layer sits at (74, 0); the result starts 64 to its left.
        self.assertEqual((10, 0), (placement.layers[0].x, placement.layers[0].y))
        self.assertFalse(placement.masked)

    def test_colorize_flats_go_under_the_line_art_with_their_colour_names(self):
        placement = plan.place("colorize", [result_layer(0, 0, 4, 4, 5, "flats")], Bounds(0, 0, 4, 4), Bounds(0, 0, 4, 4),
                               underlay=True)
        self.assertTrue(placement.below)
        self.assertEqual("Atelier colorize · seed 5 · flats", placement.layers[0].name)
        self.assertEqual(4, plan.insert_position(3, below=True))
        self.assertEqual(3, plan.insert_position(3, below=False))


if __name__ == "__main__":
    unittest.main()
