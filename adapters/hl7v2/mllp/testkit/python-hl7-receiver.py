"""An MLLP receiver written with python-hl7 (Debian's python3-hl7, 0.4.5): a non-JavaScript peer for our MLLP client.

Listens on 127.0.0.1 (a free port, printed on the first line of stdout), reads each framed message with
python-hl7's asyncio stream reader, and answers it with python-hl7's own ACK (create_ack: AA, MSA-2 = MSH-10).
Runs until it is killed or its stdin closes.
"""
import asyncio
import sys

from hl7.mllp import start_hl7_server


async def answer(reader, writer):
    try:
        while not writer.is_closing():
            message = await reader.readmessage()
            writer.writemessage(message.create_ack())
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await start_hl7_server(answer, host="127.0.0.1", port=0)
    print(server.sockets[0].getsockname()[1], flush=True)
    # The parent going away closes stdin: stop then, so no receiver outlives its test.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
