import sys
import unittest
from unittest import mock

from atelier import connection


class LoadClientTest(unittest.TestCase):
    def test_missing_thrift_runtime_is_a_sentence_not_a_traceback(self):
        blocked = {name: None for name in ("thrift", "thrift.protocol", "thrift.transport", "thrift.Thrift")}
        saved = sys.modules.pop("atelier_client", None)
        try:
            with mock.patch.dict(sys.modules, blocked):
                client, error = connection.load_client()
        finally:
            sys.modules.pop("atelier_client", None)
            if saved is not None:
                sys.modules["atelier_client"] = saved
        self.assertIsNone(client)
        self.assertIn("apt-get install python3-thrift", error)

    @unittest.skipUnless(sys.modules.get("thrift") or __import__("importlib").util.find_spec("thrift"),
                         "python3-thrift is not installed")
    def test_the_shared_client_loads_from_the_checkout(self):
        client, error = connection.load_client()
        self.assertIsNone(error)
        self.assertTrue(hasattr(client, "Connection"))


if __name__ == "__main__":
    unittest.main()
