import { checkScriptArguments } from "../scripts/script-arguments";

/** bench, schema and addresses: a mistyped option stops them (exit 2) before they do anything. */
describe("the options of the scripts without a parser of their own", () => {
  const exit = jest.spyOn(process, "exit").mockImplementation(((code?: number) => {
    throw new Error(`exit ${code}`);
  }) as never);
  const printed = jest.spyOn(console, "error").mockImplementation(() => undefined);
  afterEach(() => jest.clearAllMocks());
  afterAll(() => {
    exit.mockRestore();
    printed.mockRestore();
  });

  it("lets through the options a script takes", () => {
    expect(() => checkScriptArguments("bench", ["--no-tests"], ["--no-tests"])).not.toThrow();
    expect(() => checkScriptArguments("addresses", [], [])).not.toThrow();
    expect(exit).not.toHaveBeenCalled();
  });

  it.each([
    ["bench", ["--no-test"], ["--no-tests"], 'npm run bench: unknown option "--no-test": it takes --no-tests'],
    ["addresses", ["--force"], [], 'npm run addresses: unknown option "--force": it takes no options'],
  ])("stops %s at %j with exit 2, naming the option and what it takes", (script, argv, known, message) => {
    expect(() => checkScriptArguments(script, argv, known)).toThrow("exit 2");
    expect(printed).toHaveBeenCalledWith(message);
  });
});
