// The `reverse` plugin, in JavaScript (componentize-js).
//
// It exports `plugins:app/transform` as the object `transform`: `apply`
// reverses the order of the words and counts the words that moved. The
// option `letters` reverses each word's letters too. WIT records are plain
// objects; an error of the `result` is thrown as the `ipc-error` record
// itself. As a utility it also exports wasmtron's `utility-events`, which
// this plugin does not use: main reaches it only through typed calls.

const BY = 'reverse (JavaScript)';
const OPTIONS = ['letters'];
const dispose = Symbol.dispose || Symbol.for('dispose');

export const transform = {
  describe() {
    return `${BY}: reverses the order of the words; option \`letters\` reverses their letters too`;
  },

  apply({ text, options }) {
    const unknown = options.find((option) => !OPTIONS.includes(option));
    if (unknown !== undefined) {
      throw {
        code: 'handler-failed',
        message: `reverse does not know the option \`${unknown}\``,
        appCode: 'unknown-option',
        data: undefined,
      };
    }
    const words = text.split(/\s+/).filter((word) => word !== '');
    const reversed = words.map((_, at) => words[words.length - 1 - at]);
    const changes = reversed.filter((word, at) => word !== words[at]).length;
    const shown = options.includes('letters')
      ? reversed.map((word) => [...word].reverse().join(''))
      : reversed;
    return { text: shown.join(' '), changes, by: BY };
  },
};

export const utilityEvents = {
  onMessage(_payload, ports) {
    for (const port of ports) port[dispose]();
  },
  onPortMessage(_port, _data, ports) {
    for (const port of ports) port[dispose]();
  },
  onPortClose(_port) {},
  handle(channel, _payload) {
    throw { code: 'no-handler', message: `reverse has no handler for \`${channel}\``, data: undefined };
  },
};
